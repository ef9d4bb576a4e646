#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "auth/password.hpp"

namespace crema::auth {
namespace {

bool has_issue(const std::vector<FieldIssue>& issues, std::string_view text) {
  for (const auto& i : issues)
    if (i.field == "password" && i.issue.find(text) != std::string::npos) return true;
  return false;
}

TEST(PasswordHash, VerifiesOnlyTheRightPassword) {
  const std::string hash = hash_password("correct horse battery", Argon2Profile::interactive);
  EXPECT_TRUE(hash.starts_with("$argon2id$")) << hash;
  EXPECT_EQ(hash.find("correct"), std::string::npos);
  EXPECT_TRUE(verify_password(hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(hash, "correct horse batterY"));
  EXPECT_FALSE(verify_password(hash, ""));
  // Salted: the same password hashes differently each time.
  EXPECT_NE(hash, hash_password("correct horse battery", Argon2Profile::interactive));
}

TEST(PasswordHash, MalformedHashesNeverVerify) {
  EXPECT_FALSE(verify_password("", "anything at all"));
  EXPECT_FALSE(verify_password("not a hash", "not a hash"));
  EXPECT_FALSE(verify_password(std::string(500, 'a'), "x"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$garbage", "x"));
}

TEST(PasswordHash, EmbeddedNulAndUnicodeAreHashedWhole) {
  const std::string with_nul("pass\0word-1234", 14);
  const std::string hash = hash_password(with_nul, Argon2Profile::interactive);
  EXPECT_TRUE(verify_password(hash, with_nul));
  EXPECT_FALSE(verify_password(hash, "pass"));
  const std::string unicode = "mot de passe café ☕";
  EXPECT_TRUE(verify_password(hash_password(unicode, Argon2Profile::interactive), unicode));
}

TEST(PasswordHash, RehashIsNeededWhenTheProfileChanges) {
  const std::string hash = hash_password("correct horse battery", Argon2Profile::interactive);
  EXPECT_FALSE(password_needs_rehash(hash, Argon2Profile::interactive));
  EXPECT_TRUE(password_needs_rehash(hash, Argon2Profile::moderate));
  EXPECT_TRUE(password_needs_rehash("garbage", Argon2Profile::interactive));
  EXPECT_TRUE(password_needs_rehash("", Argon2Profile::interactive));
}

TEST(PasswordHash, ProfilesParse) {
  EXPECT_EQ(parse_argon2_profile("interactive"), Argon2Profile::interactive);
  EXPECT_EQ(parse_argon2_profile("moderate"), Argon2Profile::moderate);
  EXPECT_EQ(parse_argon2_profile("Interactive"), std::nullopt);
  EXPECT_EQ(parse_argon2_profile("sensitive"), std::nullopt);
  EXPECT_EQ(parse_argon2_profile(""), std::nullopt);
}

TEST(PasswordHash, NoMoreHashesRunAtOnceThanHardwareThreads) {
  const std::size_t limit = max_concurrent_hashes();
  ASSERT_GE(limit, 1u);
  EXPECT_EQ(limit, std::max(1u, std::thread::hardware_concurrency()));
  const std::string hash = hash_password("correct horse battery", Argon2Profile::interactive);
  std::vector<std::thread> threads;
  std::atomic<int> verified{0};
  for (std::size_t i = 0; i < 3 * limit + 1; ++i)
    threads.emplace_back([&] {
      if (verify_password(hash, "correct horse battery")) ++verified;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(verified.load(), static_cast<int>(3 * limit + 1));
  EXPECT_GE(peak_concurrent_hashes(), 1u);
  EXPECT_LE(peak_concurrent_hashes(), limit);
}

TEST(PasswordRules, AcceptsAGoodPassword) {
  EXPECT_TRUE(check_password_rules("correct horse battery", "me@example.com").empty());
  EXPECT_TRUE(check_password_rules("0123456789", "").empty());  // exactly 10
}

TEST(PasswordRules, CountsCharactersNotBytes) {
  // Nine characters, eighteen bytes: too short.
  EXPECT_TRUE(has_issue(check_password_rules("ééééééééé", ""), "at least 10"));
  // Ten characters in thirty bytes: long enough.
  EXPECT_TRUE(check_password_rules("☕☕☕☕☕☕☕☕☕☕", "").empty());
  EXPECT_TRUE(has_issue(check_password_rules("123456789", ""), "at least 10"));
  EXPECT_TRUE(has_issue(check_password_rules("", ""), "at least 10"));
}

TEST(PasswordRules, RefusesTheEmailIgnoringCase) {
  auto issues = check_password_rules("Me@Example.com", "me@example.com");
  EXPECT_TRUE(has_issue(issues, "same as the email"));
  EXPECT_TRUE(check_password_rules("me@example.com!", "me@example.com").empty());
}

TEST(PasswordRules, RefusesTooLongAndInvalidUtf8) {
  EXPECT_TRUE(check_password_rules(std::string(1024, 'a'), "").empty());
  EXPECT_TRUE(has_issue(check_password_rules(std::string(1025, 'a'), ""), "at most 1024 bytes"));
  EXPECT_TRUE(has_issue(check_password_rules("abcdefghij\xff", ""), "valid UTF-8"));
  EXPECT_TRUE(
      has_issue(check_password_rules("abcdefghij\xc0\xaf", ""), "valid UTF-8"));  // overlong
  EXPECT_TRUE(
      has_issue(check_password_rules("abcdefghij\xed\xa0\x80", ""), "valid UTF-8"));  // surrogate
  EXPECT_TRUE(
      has_issue(check_password_rules("abcdefghij\xe2\x98", ""), "valid UTF-8"));  // cut short
}

TEST(PasswordRules, ReportsEveryBrokenRuleOnTheGivenField) {
  auto issues = check_password_rules("a@b.co", "A@B.CO", "new_password");
  ASSERT_EQ(issues.size(), 2u);
  for (const auto& i : issues) EXPECT_EQ(i.field, "new_password");
}

}  // namespace
}  // namespace crema::auth

#include "service/admin_bootstrap.hpp"

#include "auth/roles.hpp"
#include "repo/user_repo.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace {

constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kMaxLocal = 64;
constexpr std::size_t kMaxLabel = 63;

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 5322 atext plus dots (not leading, trailing or doubled).
bool valid_local(std::string_view s) {
  if (s.empty() || s.size() > kMaxLocal || s.front() == '.' || s.back() == '.') return false;
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~.";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.' && s[i - 1] == '.') return false;
    if (!is_alnum(c) && kSpecials.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool valid_domain(std::string_view s) {
  std::size_t labels = 0;
  while (true) {
    const std::size_t dot = s.find('.');
    const std::string_view label = s.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabel || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!is_alnum(c) && c != '-') return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view email) {
  while (!email.empty() && (email.front() == ' ' || email.front() == '\t')) email.remove_prefix(1);
  while (!email.empty() && (email.back() == ' ' || email.back() == '\t')) email.remove_suffix(1);
  if (email.empty() || email.size() > kMaxEmail) return std::nullopt;
  std::string lower(email);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  const std::size_t at = lower.find('@');
  if (at == std::string::npos || lower.find('@', at + 1) != std::string::npos) return std::nullopt;
  const std::string_view view(lower);
  if (!valid_local(view.substr(0, at)) || !valid_domain(view.substr(at + 1))) return std::nullopt;
  return lower;
}

Result<std::string> create_admin(db::Pool& pool, std::string_view email_in,
                                 std::string_view password, auth::Argon2Profile profile) {
  std::vector<FieldIssue> issues;
  const std::optional<std::string> email = normalize_email(email_in);
  if (!email) issues.push_back({"email", "must be a valid email address"});
  auto password_issues = auth::check_password_rules(password, email ? *email : email_in);
  issues.insert(issues.end(), password_issues.begin(), password_issues.end());
  if (!issues.empty())
    return Error::make(ErrorCode::validation_failed, "The admin account is not valid.",
                       std::move(issues));

  const auto duplicate = [] {
    return Error::make(ErrorCode::duplicate, "A user with this email already exists.",
                       {{"email", "is already registered"}});
  };
  // Checked before hashing so a repeated command answers at once; the insert below
  // catches the race with another instance doing the same.
  if (repo::find_user_by_email(*pool.read(), *email)) return duplicate();

  repo::UserRecord user;
  user.id = util::new_uuid_v7();
  user.name = email->substr(0, email->find('@'));
  user.email = *email;
  user.password_hash = auth::hash_password(password, profile);
  user.role = auth::Role::admin;
  user.created_at = user.updated_at = util::now_ms();
  try {
    pool.transact([&](db::Transaction& tx) { repo::insert_user(tx.connection(), user); });
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) return duplicate();
    throw;
  }
  return user.id;
}

}  // namespace crema::service

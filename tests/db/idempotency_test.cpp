// The Idempotency-Key module (service/idempotency.hpp) on the store under test: a claimed key
// that is still running or was used with another body is a 409, a completed one replays its
// answer, keys are scoped to the caller and the route, a released key may be used again, and
// a key is forgotten after 24 hours (claimed afresh, pruned).

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "service/idempotency.hpp"

namespace crema::test {
namespace {

constexpr std::string_view kIdemRoute = "POST /test";
constexpr std::string_view kIdemOtherRoute = "POST /other";

class IdempotencyTest : public CatalogueDbTest {
 protected:
  // One claim in a transaction of its own, committed.
  std::optional<crema::Result<service::StoredAnswer>> claim_now(const service::Idempotency& idem,
                                                                std::int64_t now = util::now_ms()) {
    return pool_->transact([&](db::Transaction& tx) { return idem.claim(tx, now); });
  }
  void complete_now(const service::Idempotency& idem, int status, std::string_view body) {
    pool_->transact([&](db::Transaction& tx) { idem.complete(tx, status, body); });
  }
  static service::IdempotencyKey idem_key(std::string key, std::string fingerprint) {
    return service::IdempotencyKey{std::move(key), std::move(fingerprint)};
  }
};

TEST_F(IdempotencyTest, WithoutAKeyEverythingGoesOnAndNothingIsStored) {
  const service::Idempotency none(staff_, kIdemRoute, std::nullopt);
  EXPECT_FALSE(none.has_key());
  EXPECT_FALSE(claim_now(none).has_value());
  complete_now(none, 201, "{}");
  none.release(*pool_);
  EXPECT_FALSE(claim_now(none).has_value());
  EXPECT_EQ(count("idempotency_keys"), 0);
}

TEST_F(IdempotencyTest, ASecondClaimIsRunningThenReplaysTheFirstAnswer) {
  const service::Idempotency idem(staff_, kIdemRoute, idem_key("k-1", "fp-a"));
  EXPECT_FALSE(claim_now(idem).has_value()) << "the first request goes on";
  EXPECT_EQ(count("idempotency_keys"), 1);

  auto running = claim_now(idem);
  ASSERT_TRUE(running.has_value());
  ASSERT_FALSE(running->ok());
  EXPECT_EQ(running->error().code, ErrorCode::conflict);
  EXPECT_EQ(running->error().message, "A request with this Idempotency-Key is still running.");

  complete_now(idem, 201, R"({"id":"o-1"})");
  auto replay = claim_now(idem);
  ASSERT_TRUE(replay.has_value());
  ASSERT_TRUE(replay->ok());
  EXPECT_EQ((*replay)->status, 201);
  EXPECT_EQ((*replay)->body, R"({"id":"o-1"})");
  EXPECT_EQ(count("idempotency_keys"), 1);
}

TEST_F(IdempotencyTest, TheSameKeyWithAnotherBodyIsAConflictNamingTheHeader) {
  const service::Idempotency idem(staff_, kIdemRoute, idem_key("k-1", "fp-a"));
  ASSERT_FALSE(claim_now(idem).has_value());
  complete_now(idem, 200, "{}");
  const service::Idempotency other(staff_, kIdemRoute, idem_key("k-1", "fp-b"));
  auto refused = claim_now(other);
  ASSERT_TRUE(refused.has_value());
  ASSERT_FALSE(refused->ok());
  EXPECT_EQ(refused->error().code, ErrorCode::conflict);
  ASSERT_EQ(refused->error().details.size(), 1u);
  EXPECT_EQ(refused->error().details[0].field, "Idempotency-Key");
}

TEST_F(IdempotencyTest, KeysAreScopedToTheCallerAndTheRoute) {
  const service::Idempotency idem(staff_, kIdemRoute, idem_key("k-1", "fp-a"));
  ASSERT_FALSE(claim_now(idem).has_value());
  complete_now(idem, 201, "{}");
  EXPECT_FALSE(claim_now(service::Idempotency(manager_, kIdemRoute, idem_key("k-1", "fp-b"))))
      << "another user";
  EXPECT_FALSE(claim_now(service::Idempotency(staff_, kIdemOtherRoute, idem_key("k-1", "fp-b"))))
      << "another route";
  auth::Principal key;
  key.api_key_id = "api-key-1";
  const service::Actor partner{key, "203.0.113.9", "req-t"};
  EXPECT_EQ(service::idempotency_scope(partner), "key:api-key-1");
  EXPECT_EQ(service::idempotency_scope(staff_), "user:staff-1");
  EXPECT_FALSE(claim_now(service::Idempotency(partner, kIdemRoute, idem_key("k-1", "fp-b"))))
      << "an API key";
  EXPECT_EQ(count("idempotency_keys"), 4);
}

TEST_F(IdempotencyTest, AReleasedKeyMayBeUsedAgainWithAnyBody) {
  const service::Idempotency idem(staff_, kIdemRoute, idem_key("k-1", "fp-a"));
  ASSERT_FALSE(claim_now(idem).has_value());
  idem.release(*pool_);
  EXPECT_EQ(count("idempotency_keys"), 0);
  const service::Idempotency retry(staff_, kIdemRoute, idem_key("k-1", "fp-b"));
  EXPECT_FALSE(claim_now(retry).has_value());
  // Released in the caller's transaction, with a rollback: the claim stays.
  EXPECT_THROW(pool_->transact([&](db::Transaction& tx) {
    retry.release(tx);
    throw std::runtime_error("rolled back");
  }),
               std::runtime_error);
  EXPECT_EQ(count("idempotency_keys"), 1);
}

TEST_F(IdempotencyTest, AKeyIsForgottenAfter24Hours) {
  const auto now = util::now_ms();
  const service::Idempotency idem(staff_, kIdemRoute, idem_key("k-1", "fp-a"));
  ASSERT_FALSE(claim_now(idem, now).has_value());
  complete_now(idem, 201, "{}");
  const service::Idempotency other(staff_, kIdemRoute, idem_key("k-1", "fp-b"));
  // Just inside the 24 hours: still remembered.
  auto refused = claim_now(other, now + service::kIdempotencyKeepMs);
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(refused->ok());
  // Past them: claimed afresh by the new body.
  const auto later = now + service::kIdempotencyKeepMs + 1;
  EXPECT_FALSE(claim_now(other, later).has_value());
  auto running = claim_now(idem, later);
  ASSERT_TRUE(running.has_value());
  EXPECT_FALSE(running->ok()) << "the new claim holds, for the new body";

  EXPECT_EQ(service::prune_idempotency_keys(*pool_, later), 0) << "the new claim is recent";
  EXPECT_EQ(service::prune_idempotency_keys(*pool_, later + service::kIdempotencyKeepMs + 1), 1);
  EXPECT_EQ(count("idempotency_keys"), 0);
}

}  // namespace
}  // namespace crema::test

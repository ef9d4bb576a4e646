// The transactional outbox on both stores: enqueue commits and rolls back with the change,
// claims and leases, retries with backoff, the dead state, hand-back, crash recovery, the
// low-stock trigger, and two workers sharing one queue without double sends.
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "db/catalogue_fixture.hpp"
#include "db/migrations.hpp"
#include "jobs/outbox_worker.hpp"
#include "service/outbox.hpp"
#include "service/stock.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;
using service::AttemptOutcome;
using service::OutboxMessage;

class OutboxTest : public CatalogueDbTest {
 protected:
  std::string make_user(std::string_view role, std::string email, bool active = true,
                        bool opt_in = false, std::string phone = {}) {
    const auto id = util::new_uuid_v7();
    const auto now = util::now_ms();
    db::Param phone_param = nullptr;
    if (!phone.empty()) phone_param = std::string_view(phone);
    pool_->transact([&](db::Transaction& tx) {
      tx.exec(
          "INSERT INTO users (id, name, email, phone, password_hash, role, marketing_opt_in, "
          "is_active, created_at, updated_at) VALUES ($1, 'Test', $2, $3, 'x', $4, $5, $6, $7, "
          "$7)",
          {std::string_view(id), std::string_view(email), phone_param, role, opt_in, active, now});
    });
    return id;
  }

  std::string enqueue(std::string recipient = "a@example.com", std::string type = "promotion") {
    return pool_->transact([&](db::Transaction& tx) {
      return service::enqueue_notification(
          tx, {type, "email", recipient, "", json::object{{"subject", "Hi"}, {"body", "B"}}});
    });
  }

  OutboxMessage row(const std::string& id) {
    auto lease = pool_->read();
    auto r = lease->exec(
        "SELECT status, attempts, last_error, next_attempt_at, sent_at, claimed_by FROM outbox "
        "WHERE id = $1",
        {std::string_view(id)});
    if (r.empty()) throw std::runtime_error("no outbox row " + id);
    OutboxMessage m;
    m.id = id;
    m.status = *domain::kOutboxStatuses.parse(r.front().text_view(0));
    m.attempts = static_cast<int>(r.front().int64(1));
    m.last_error = r.front().opt_text(2).value_or("");
    m.next_attempt_at = r.front().int64(3);
    m.sent_at = r.front().opt_int64(4);
    m.user_id = r.front().opt_text(5).value_or("");  // claimed_by, for the lease checks
    return m;
  }

  static constexpr std::int64_t kLease = 60'000;
};

TEST_F(OutboxTest, EnqueueCommitsAndRollsBackWithTheChange) {
  try {
    pool_->transact([&](db::Transaction& tx) {
      service::enqueue_notification(tx, {"promotion", "email", "x@example.com", "", {}});
      throw std::runtime_error("the use case failed");
    });
  } catch (const std::runtime_error&) {}
  EXPECT_EQ(count("outbox"), 0);
  const auto id = enqueue();
  auto m = row(id);
  EXPECT_EQ(domain::name(m.status), "queued");
  EXPECT_EQ(m.attempts, 0);
  EXPECT_THROW(pool_->transact([&](db::Transaction& tx) {
    service::enqueue_notification(tx, {"no_such_type", "email", "x@example.com", "", {}});
  }),
               std::invalid_argument);
}

TEST_F(OutboxTest, AClaimIsALeaseThatComesBackWhenItRunsOut) {
  const auto id = enqueue();
  const auto now = util::now_ms();
  auto first = service::claim_due(*pool_, "w1", now, 10, kLease);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, id);
  EXPECT_EQ(first[0].recipient, "a@example.com");
  // Held: nobody else gets it, even much later within the lease.
  EXPECT_TRUE(service::claim_due(*pool_, "w2", now + 1000, 10, kLease).empty());
  EXPECT_TRUE(service::claim_due(*pool_, "w2", now + kLease - 1, 10, kLease).empty());
  // w1 "was killed": once the lease ran out the row is due again, for another worker.
  auto again = service::claim_due(*pool_, "w2", now + kLease + 1, 10, kLease);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, id);
  // The dead worker's late report is refused: only the holder settles a row.
  EXPECT_FALSE(service::mark_sent(*pool_, first[0], "w1", now + kLease + 2, {true}));
  EXPECT_TRUE(service::mark_sent(*pool_, again[0], "w2", now + kLease + 2, {true}));
  auto m = row(id);
  EXPECT_EQ(domain::name(m.status), "sent");
  EXPECT_EQ(m.attempts, 1);
  ASSERT_TRUE(m.sent_at);
  EXPECT_TRUE(service::claim_due(*pool_, "w3", now + 10 * kLease, 10, kLease).empty());
}

TEST_F(OutboxTest, FailuresBackOffExponentiallyThenTheMessageFails) {
  const auto id = enqueue();
  service::OutboxPolicy policy;
  policy.backoff_base_ms = 1000;
  policy.backoff_cap_ms = 1'000'000;
  std::int64_t now = util::now_ms();
  std::int64_t previous_delay = 0;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    auto batch = service::claim_due(*pool_, "w", now, 10, kLease);
    ASSERT_EQ(batch.size(), 1u) << "attempt " << attempt;
    auto status = service::mark_attempt_failed(
        *pool_, batch[0], "w", now, {false, 503, "provider down " + std::to_string(attempt)},
        policy, 0.5);
    ASSERT_TRUE(status);
    auto m = row(id);
    EXPECT_EQ(m.attempts, attempt);
    if (attempt < 8) {
      EXPECT_EQ(*status, domain::OutboxStatus::queued);
      const std::int64_t delay = m.next_attempt_at - now;
      const std::int64_t full = 1000LL << (attempt - 1);
      EXPECT_GE(delay, full / 2) << "attempt " << attempt;
      EXPECT_LE(delay, full) << "attempt " << attempt;
      EXPECT_GT(delay, previous_delay);
      previous_delay = delay;
      // Not due before its time.
      EXPECT_TRUE(service::claim_due(*pool_, "w", m.next_attempt_at - 1, 10, kLease).empty());
      now = m.next_attempt_at;
    } else {
      EXPECT_EQ(*status, domain::OutboxStatus::failed);
      EXPECT_EQ(domain::name(m.status), "failed");
      EXPECT_EQ(m.last_error, "provider down 8");
    }
  }
  // Dead rows are never claimed again.
  EXPECT_TRUE(service::claim_due(*pool_, "w", now + 100'000'000, 10, kLease).empty());
  auto lease = pool_->read();
  EXPECT_EQ(lease
                ->exec("SELECT COUNT(*) FROM outbox_attempts WHERE outbox_id = $1 AND ok = FALSE",
                       {std::string_view(id)})
                .front()
                .int64(0),
            8);
}

TEST_F(OutboxTest, ReleasedClaimsAreDueAtOnce) {
  const auto a = enqueue("a@example.com");
  const auto b = enqueue("b@example.com");
  const auto now = util::now_ms();
  ASSERT_EQ(service::claim_due(*pool_, "stopping", now, 10, kLease).size(), 2u);
  EXPECT_EQ(service::release_claims(*pool_, "stopping"), 2);
  auto again = service::claim_due(*pool_, "next", now + 1, 10, kLease);
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(row(a).attempts, 0);  // handing back is not a try
  EXPECT_EQ(domain::name(row(b).status), "queued");
}

TEST_F(OutboxTest, PruningDropsOnlyOldSettledMessages) {
  const auto sent = enqueue("sent@example.com");
  const auto failed = enqueue("failed@example.com");
  const auto queued = enqueue("queued@example.com");
  const auto now = util::now_ms();
  auto batch = service::claim_due(*pool_, "w", now, 10, kLease);
  ASSERT_EQ(batch.size(), 3u);
  for (const auto& m : batch) {
    if (m.id == sent) {
      EXPECT_TRUE(service::mark_sent(*pool_, m, "w", now, {true}));
    } else if (m.id == failed) {
      EXPECT_TRUE(service::mark_attempt_failed(*pool_, m, "w", now, {false}, {}, 0.5, true));
    }
  }
  EXPECT_EQ(service::release_claims(*pool_, "w"), 1);
  EXPECT_EQ(service::prune_settled_messages(*pool_, now), 0);  // not old enough
  EXPECT_EQ(service::prune_settled_messages(*pool_, now + 1), 2);
  EXPECT_EQ(count("outbox"), 1);
  EXPECT_EQ(domain::name(row(queued).status), "queued");
  EXPECT_EQ(count("outbox_attempts"), 0);
}

TEST_F(OutboxTest, UserAndRoleNotificationsResolveAddresses) {
  const auto customer = make_user("customer", "cust@example.com", true, false, "+15550001111");
  const auto gone = make_user("customer", "gone@example.com", false);
  make_user("manager", "m1@example.com");
  make_user("admin", "a1@example.com");
  make_user("manager", "m-off@example.com", false);
  make_user("staff", "s@example.com");
  pool_->transact([&](db::Transaction& tx) {
    EXPECT_TRUE(service::enqueue_user_notification(tx, customer, "order_placed", {}));
    EXPECT_TRUE(service::enqueue_user_notification(tx, customer, "order_placed", {}, "sms"));
    EXPECT_FALSE(service::enqueue_user_notification(tx, gone, "order_placed", {}));
    EXPECT_EQ(service::enqueue_role_notification(tx, {"manager", "admin"}, "low_stock", {}), 2);
  });
  auto lease = pool_->read();
  std::multiset<std::string> recipients;
  for (auto r : lease->exec("SELECT recipient FROM outbox")) recipients.insert(r.text(0));
  EXPECT_EQ(recipients, (std::multiset<std::string>{"cust@example.com", "+15550001111",
                                                    "m1@example.com", "a1@example.com"}));
}

TEST_F(OutboxTest, ALowStockCrossingNotifiesManagersAndAdminsOnce) {
  make_user("manager", "m1@example.com");
  make_user("admin", "a1@example.com");
  make_user("customer", "c@example.com");
  const auto milk = make_item("Whole milk", units(10), units(5));
  auto reserve = [&](std::int64_t q) {
    pool_->transact([&](db::Transaction& tx) {
      auto out = service::reserve_stock(tx, {{milk, q}}, {});
      ASSERT_TRUE(out.ok());
    });
  };
  reserve(units(2));  // 8 left: above the threshold
  EXPECT_EQ(count("outbox"), 0);
  reserve(units(4));  // 4 left: crosses
  reserve(units(1));  // 3 left: still low, same dip
  auto lease = pool_->read();
  auto r = lease->exec(
      "SELECT type, channel, recipient, payload FROM outbox WHERE kind = 'notification' "
      "ORDER BY recipient");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].text(0), "low_stock");
  EXPECT_EQ(r[0].text(2), "a1@example.com");
  EXPECT_EQ(r[1].text(2), "m1@example.com");
  auto payload = json::parse(r[0].text(3));
  EXPECT_EQ(payload.at("item").at("name").as_string(), "Whole milk");
}

// Delivers by counting, per message, how often it was handed over.
class CountingDeliverer final : public notify::Deliverer {
 public:
  explicit CountingDeliverer(int fail_first = 0) : fail_first_(fail_first) {}
  notify::Delivery deliver(const OutboxMessage& m) override {
    std::lock_guard lock(mutex_);
    const int n = ++seen_[m.id];
    notify::Delivery d;
    d.outcome.ok = n > fail_first_;
    if (!d.outcome.ok) d.outcome.error = "provider failure";
    if (d.outcome.ok) ++delivered_[m.id];
    return d;
  }
  std::map<std::string, int> delivered() {
    std::lock_guard lock(mutex_);
    return delivered_;
  }

 private:
  int fail_first_;
  std::mutex mutex_;
  std::map<std::string, int> seen_;
  std::map<std::string, int> delivered_;
};

TEST_F(OutboxTest, TwoWorkerInstancesShareTheQueueWithoutDoubleSends) {
  constexpr int kMessages = 120;
  std::set<std::string> ids;
  for (int i = 0; i < kMessages; ++i) ids.insert(enqueue("u" + std::to_string(i) + "@example.com"));
  // Two "instances": each its own pool (on PostgreSQL its own connections) and workers.
  auto pool_b = open_pool(options());
  CountingDeliverer deliverer;
  jobs::OutboxWorkerOptions o;
  o.threads = 2;
  o.batch = 4;
  o.poll = std::chrono::milliseconds(20);
  jobs::OutboxWorker a(*pool_, deliverer, o);
  jobs::OutboxWorker b(*pool_b, deliverer, o);
  a.start();
  b.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto lease = pool_->read();
    if (lease->exec("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").front().int64(0) ==
        kMessages)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  a.stop();
  b.stop();
  auto delivered = deliverer.delivered();
  EXPECT_EQ(delivered.size(), static_cast<std::size_t>(kMessages));
  for (const auto& id : ids) EXPECT_EQ(delivered[id], 1) << id;
  EXPECT_EQ(count("outbox_attempts"), kMessages);
}

TEST_F(OutboxTest, ConcurrentClaimsNeverHandOutARowTwice) {
  constexpr int kMessages = 200;
  constexpr int kClaimers = 6;
  for (int i = 0; i < kMessages; ++i) enqueue("c" + std::to_string(i) + "@example.com");
  std::vector<std::unique_ptr<db::Pool>> pools;
  for (int i = 0; i < kClaimers; ++i) pools.push_back(open_pool(options()));
  std::mutex mutex;
  std::map<std::string, int> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClaimers; ++t) {
    threads.emplace_back([&, t] {
      const std::string me = "claimer-" + std::to_string(t);
      for (;;) {
        auto batch =
            service::claim_due(*pools[static_cast<std::size_t>(t)], me, util::now_ms(), 3, kLease);
        if (batch.empty()) return;
        std::lock_guard lock(mutex);
        for (const auto& m : batch) ++claimed[m.id];
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kMessages));
  for (const auto& [id, n] : claimed) EXPECT_EQ(n, 1) << id;
}

TEST_F(OutboxTest, AWorkerRetriesAfterProviderFailures) {
  const auto id = enqueue();
  CountingDeliverer deliverer(2);  // the provider fails twice, then accepts
  jobs::OutboxWorkerOptions o;
  o.threads = 0;
  o.policy.backoff_base_ms = 10;
  o.policy.backoff_cap_ms = 20;
  jobs::OutboxWorker w(*pool_, deliverer, o);
  for (int i = 0; i < 200 && row(id).status == domain::OutboxStatus::queued; ++i) {
    w.run_once("solo");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto m = row(id);
  EXPECT_EQ(domain::name(m.status), "sent");
  EXPECT_EQ(m.attempts, 3);
  EXPECT_EQ(deliverer.delivered()[id], 1);
}

}  // namespace
}  // namespace crema::test

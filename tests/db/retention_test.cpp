// Retention (SPEC §15.5) on the store under test, with the time given by the test: the
// contact details of orders placed without an account go CREMA_RETENTION_DAYS_GUEST_PII
// after they ended (customers' orders, unfinished ones and recent ones are untouched; the
// order stays for the books), settled notifications and webhook deliveries go after
// CREMA_RETENTION_DAYS_NOTIFICATIONS, and 0 keeps everything.

#include <set>

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "repo/account_token_repo.hpp"
#include "repo/order_repo.hpp"
#include "service/order_service.hpp"
#include "service/outbox.hpp"
#include "service/retention.hpp"
#include "util/time.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;
using domain::OrderStatus;
constexpr std::int64_t kRetentionDayMs = 24LL * 60 * 60 * 1000;

class RetentionTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    orders_.emplace(*pool_, bus_, service::OrderSettings{});
    tart_ = make_product("Tart", "Tarts", 450);
  }

  // An order with contact details, walked to `to`, its last change `days_ago` days back.
  std::string order(const service::Actor& who, OrderStatus to, int days_ago,
                    bool delivery = false) {
    service::OrderRequest r;
    r.type = domain::OrderType::online;
    service::OrderLine l;
    l.product_id = tart_;
    l.quantity = 1;
    l.special_instructions = "Ring twice, ask for Noor";
    l.options = json::object{{"inscription", "For Noor"}};
    r.items = {l};
    r.items_given = true;
    r.customer_info = json::object{
        {"name", "Noor"}, {"email", "noor@example.com"}, {"phone", "+20 100 000 0000"}};
    r.is_pickup = !delivery;
    if (delivery)
      r.delivery_info = json::object{{"address", "7 Nile Street"}, {"eta", 1}, {"buzzer", "3B"}};
    r.notes = "Leave with the porter";
    r.metadata = json::object{{"phone_again", "+20 100 000 0000"}};
    auto placed = orders_->place(who, r, {});
    EXPECT_TRUE(placed) << placed.error().message;
    if (!placed) return {};
    std::vector<OrderStatus> path;
    if (to == OrderStatus::cancelled) path = {OrderStatus::cancelled};
    if (to == OrderStatus::completed)
      path = {OrderStatus::confirmed, OrderStatus::preparing, OrderStatus::ready,
              OrderStatus::completed};
    for (auto s : path) {
      auto moved = orders_->change_status(staff_, placed->id, s, "", {});
      EXPECT_TRUE(moved) << moved.error().message;
    }
    pool_->transact([&](db::Transaction& tx) {
      tx.exec("UPDATE orders SET updated_at = $1 WHERE id = $2",
              {now_ - days_ago * kRetentionDayMs, std::string_view(placed->id)});
    });
    return placed->id;
  }
  domain::Order read(const std::string& id) {
    auto o = repo::find_order(*pool_->read(), id);
    if (!o) throw std::runtime_error("no order " + id);
    return *o;
  }
  std::string everything(const std::string& id) {
    return json::serialize(domain::to_json(read(id)));
  }

  const std::int64_t now_ = util::now_ms();
  std::optional<service::OrderService> orders_;
  std::string tart_;
};

TEST_F(RetentionTest, GuestContactDetailsGoAYearAfterTheOrderEnded) {
  const auto customer = insert_user_of_role(*pool_, auth::Role::customer);
  const auto old_guest = order(staff_, OrderStatus::completed, 400);
  const auto old_delivery = order(staff_, OrderStatus::cancelled, 366, true);
  const auto recent_guest = order(staff_, OrderStatus::completed, 300);
  const auto unfinished = order(staff_, OrderStatus::pending, 500);
  const auto customers = order(customer, OrderStatus::cancelled, 800);
  const auto before_recent = everything(recent_guest);
  const auto before_unfinished = everything(unfinished);
  const auto before_customers = everything(customers);

  const auto done = service::apply_retention(*pool_, {365, 0}, now_);
  EXPECT_EQ(done.orders_cleared, 2);
  for (const auto& id : {old_guest, old_delivery}) {
    const auto text = everything(id);
    for (const char* gone : {"Noor", "noor@example.com", "+20 100", "Nile", "porter", "3B"})
      EXPECT_EQ(text.find(gone), std::string::npos) << gone << " in " << text;
    const auto o = read(id);
    EXPECT_FALSE(o.customer_info);
    EXPECT_TRUE(o.metadata.empty());
    EXPECT_EQ(o.total_amount, 450) << "the order stays for the books";
    EXPECT_EQ(o.items.at(0).name, "Tart");
  }
  EXPECT_EQ(read(old_delivery).delivery_info->at("eta"), 1) << "the delivery's eta stays";
  EXPECT_EQ(everything(recent_guest), before_recent) << "ended 300 days ago: kept";
  EXPECT_EQ(everything(unfinished), before_unfinished) << "not ended: kept";
  EXPECT_EQ(everything(customers), before_customers) << "an account's: its owner erases it";

  EXPECT_EQ(service::apply_retention(*pool_, {365, 0}, now_).orders_cleared, 0) << "once";
  EXPECT_EQ(service::apply_retention(*pool_, {0, 0}, now_ + 1000 * kRetentionDayMs).orders_cleared,
            0)
      << "0 keeps them for good";
  EXPECT_EQ(service::apply_retention(*pool_, {365, 0}, now_ + 66 * kRetentionDayMs).orders_cleared,
            1)
      << "the recent one's turn comes";
}

TEST_F(RetentionTest, ManyOrdersAreClearedInBatches) {
  const int n = service::kRetentionBatch + 7;
  for (int i = 0; i < n; ++i) ASSERT_FALSE(order(staff_, OrderStatus::cancelled, 400).empty());
  EXPECT_EQ(service::apply_retention(*pool_, {365, 0}, now_).orders_cleared, n);
  EXPECT_EQ(pool_->read()
                ->exec("SELECT COUNT(*) FROM orders WHERE customer_info IS NOT NULL")
                .front()
                .int64(0),
            0);
}

TEST_F(RetentionTest, SettledMessagesGoAfterTheirDaysQueuedOnesNever) {
  std::vector<std::string> ids;
  pool_->transact([&](db::Transaction& tx) {
    for (const char* who : {"sent@example.com", "failed@example.com", "queued@example.com"})
      ids.push_back(service::enqueue_notification(
          tx, {.type = "order_placed", .channel = "email", .recipient = who, .payload = {}}));
  });
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE outbox SET status = 'sent', updated_at = $1 WHERE id = $2",
            {now_ - 91 * kRetentionDayMs, std::string_view(ids[0])});
    tx.exec("UPDATE outbox SET status = 'failed', updated_at = $1 WHERE id = $2",
            {now_ - 89 * kRetentionDayMs, std::string_view(ids[1])});
    tx.exec("UPDATE outbox SET updated_at = $1 WHERE id = $2",
            {now_ - 400 * kRetentionDayMs, std::string_view(ids[2])});
  });
  EXPECT_EQ(service::apply_retention(*pool_, {0, 0}, now_).messages_deleted, 0);
  EXPECT_EQ(service::apply_retention(*pool_, {0, 90}, now_).messages_deleted, 1);
  EXPECT_EQ(count("outbox"), 2);
  EXPECT_EQ(service::apply_retention(*pool_, {0, 30}, now_).messages_deleted, 1);
  auto left = pool_->read()->exec("SELECT status FROM outbox");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left.front().text(0), "queued") << "a queued message is never deleted";
}

TEST_F(RetentionTest, SpentAndExpiredCredentialsGoWhateverThePolicy) {
  const auto user = insert_user_of_role(*pool_, auth::Role::customer);
  const std::string& uid = user.user_id();
  const std::int64_t hour = 60LL * 60 * 1000;
  pool_->transact([&](db::Transaction& tx) {
    auto& c = tx.connection();
    // {hash, created hours ago, expires in hours (negative: past), spent}
    struct T {
      const char* hash;
      int created;
      int expires;
      bool used;
    };
    for (const T& t : {T{"used-old", 48, 10, true}, T{"expired-old", 48, -24, false},
                       T{"used-recent", 1, 10, true}, T{"expired-recent", 2, -1, false},
                       T{"live-old", 48, 10, false}})
      repo::insert_account_token(
          c, {t.hash, uid, "password_reset", now_ - t.created * hour, now_ + t.expires * hour,
              t.used ? std::optional<std::int64_t>(now_ - hour) : std::nullopt});
    repo::replace_recovery_codes(c, uid, {"code-a", "code-b", "code-c"}, now_);
    EXPECT_TRUE(repo::use_recovery_code(c, uid, "code-b", now_));
  });
  const auto done = service::apply_retention(*pool_, {0, 0}, now_);
  EXPECT_EQ(done.account_tokens_deleted, 2);
  EXPECT_EQ(done.recovery_codes_deleted, 1);
  std::set<std::string> left;
  for (const auto& row : pool_->read()->exec("SELECT token_hash FROM account_tokens"))
    left.insert(row.text(0));
  EXPECT_EQ(left, (std::set<std::string>{"used-recent", "expired-recent", "live-old"}))
      << "a recent token still counts in the mails-per-hour limit; a live one works";
  EXPECT_EQ(count("recovery_codes"), 2);
  auto still = pool_->transact([&](db::Transaction& tx) {
    return repo::use_recovery_code(tx.connection(), uid, "code-a", now_);
  });
  EXPECT_TRUE(still) << "unspent codes keep working";
  EXPECT_EQ(service::apply_retention(*pool_, {0, 0}, now_ + 2 * hour).account_tokens_deleted, 0);
  EXPECT_EQ(service::apply_retention(*pool_, {0, 0}, now_ + 24 * hour).account_tokens_deleted, 3)
      << "the recent ones' day passed, and the live one expired meanwhile";
}

}  // namespace
}  // namespace crema::test

// Guest checkout's order tokens (SPEC §15.1) on the store under test: an order placed
// without credentials gets a token that is stored only as its SHA-256, opens exactly that
// order (a guest principal), expires 30 days after the order ends (with the time given by
// the test) and is deleted by the retention job once expired; CREMA_GUEST_CHECKOUT=0 and the
// contact rules refuse.

#include <boost/json.hpp>

#include "auth/crypto.hpp"
#include "db/catalogue_fixture.hpp"
#include "service/guest_tokens.hpp"
#include "service/order_service.hpp"
#include "service/retention.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;
using domain::OrderStatus;
constexpr std::int64_t kGuestDayMs = 24LL * 60 * 60 * 1000;

class GuestTokensTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    orders_.emplace(*pool_, bus_, service::OrderSettings{});
    scone_ = make_product("Guest scone", "Scones", 300);
  }

  service::OrderRequest request(json::object info) {
    service::OrderRequest r;
    service::OrderLine l;
    l.product_id = scone_;
    l.quantity = 1;
    r.items = {l};
    r.items_given = true;
    r.customer_info = std::move(info);
    return r;
  }
  // A guest's order: {id, token}.
  std::pair<std::string, std::string> guest_order() {
    service::Actor guest;
    guest.ip = "198.51.100.7";
    auto placed = orders_->place(
        guest, request({{"name", "Gwen"}, {"email", "gwen@example.com"}, {"phone", nullptr}}), {});
    EXPECT_TRUE(placed) << placed.error().message;
    if (!placed) return {};
    auto body = json::parse(placed->body).as_object();
    EXPECT_TRUE(body.at("customer_id").is_null());
    return {placed->id, std::string(body.at("guest_token").as_string())};
  }
  void ended_days_ago(const std::string& id, int days) {
    pool_->transact([&](db::Transaction& tx) {
      tx.exec("UPDATE orders SET cancelled_at = $1 WHERE id = $2",
              {now_ - days * kGuestDayMs, std::string_view(id)});
    });
  }

  const std::int64_t now_ = util::now_ms();
  std::optional<service::OrderService> orders_;
  std::string scone_;
};

TEST_F(GuestTokensTest, TheTokenIsStoredHashedAndOpensItsOrderOnly) {
  auto [id, token] = guest_order();
  ASSERT_EQ(token.size(), 43u);
  auto rows = pool_->read()->exec("SELECT token_hash, order_id FROM guest_tokens");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.front().text(0), auth::sha256_hex(token));
  EXPECT_EQ(rows.front().text(1), id);
  EXPECT_EQ(pool_->read()
                ->exec("SELECT COUNT(*) FROM guest_tokens WHERE token_hash = $1", {token})
                .front()
                .int64(0),
            0)
      << "the token itself is never stored";

  service::GuestTokens tokens(*pool_);
  auto p = tokens.authenticate(token, now_);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->is_guest());
  EXPECT_EQ(p->order_id, id);
  EXPECT_TRUE(p->user_id.empty());
  EXPECT_FALSE(p->is_staff_plus());
  for (const std::string& bad :
       {std::string(), std::string("short"), token.substr(0, 42) + "#", auth::random_token(32)}) {
    auto refused = tokens.authenticate(bad, now_);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::unauthorized);
  }

  // As an actor it sees its own order and no other.
  auto [other, other_token] = guest_order();
  const service::Actor holder{*p, "198.51.100.7", "req"};
  EXPECT_TRUE(orders_->get(holder, id));
  auto hidden = orders_->get(holder, other);
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().code, ErrorCode::not_found);
  EXPECT_FALSE(holder.is_role(auth::Role::customer)) << "a guest is not a customer account";
  EXPECT_TRUE(orders_->may_watch(*p, "order:" + id));
  EXPECT_FALSE(orders_->may_watch(*p, "order:" + other));
}

TEST_F(GuestTokensTest, ItExpiresThirtyDaysAfterTheOrderEndsAndIsPruned) {
  auto [open_id, open_token] = guest_order();
  auto [ended_id, ended_token] = guest_order();
  auto [old_id, old_token] = guest_order();
  for (const auto& id : {ended_id, old_id}) {
    auto moved = orders_->change_status(staff_, id, OrderStatus::cancelled, "", {});
    ASSERT_TRUE(moved) << moved.error().message;
  }
  ended_days_ago(ended_id, 29);
  ended_days_ago(old_id, 31);
  // An open order's token works however old it is.
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE guest_tokens SET created_at = $1 WHERE order_id = $2",
            {now_ - 400 * kGuestDayMs, std::string_view(open_id)});
  });

  service::GuestTokens tokens(*pool_);
  EXPECT_TRUE(tokens.authenticate(open_token, now_ + 400 * kGuestDayMs));
  EXPECT_TRUE(tokens.authenticate(ended_token, now_)) << "ended 29 days ago";
  EXPECT_FALSE(tokens.authenticate(ended_token, now_ + 2 * kGuestDayMs)) << "31 days after";
  EXPECT_FALSE(tokens.authenticate(old_token, now_)) << "ended 31 days ago";

  // The hourly retention job forgets the expired one only.
  auto done = service::apply_retention(*pool_, {0, 0}, now_);
  EXPECT_EQ(done.guest_tokens_deleted, 1);
  EXPECT_EQ(count("guest_tokens"), 2);
  EXPECT_EQ(pool_->read()
                ->exec("SELECT COUNT(*) FROM guest_tokens WHERE order_id = $1", {old_id})
                .front()
                .int64(0),
            0);
  EXPECT_EQ(service::prune_guest_tokens(*pool_, now_ + 2 * kGuestDayMs), 1) << "its turn came";
  EXPECT_EQ(service::prune_guest_tokens(*pool_, now_ + 2 * kGuestDayMs), 0);
  EXPECT_TRUE(tokens.authenticate(open_token, now_));
}

TEST_F(GuestTokensTest, GuestOrdersNeedContactsAndTheSetting) {
  service::Actor guest;
  auto no_contact = orders_->place(guest, request({{"name", "Gwen"}}), {});
  ASSERT_FALSE(no_contact);
  EXPECT_EQ(no_contact.error().code, ErrorCode::validation_failed);
  ASSERT_EQ(no_contact.error().details.size(), 1u);
  EXPECT_EQ(no_contact.error().details[0].field, "customer_info.email");
  auto no_name = orders_->place(guest, request({{"phone", "+1 555 0100"}}), {});
  ASSERT_FALSE(no_name);
  ASSERT_EQ(no_name.error().details.size(), 1u);
  EXPECT_EQ(no_name.error().details[0].field, "customer_info.name");
  EXPECT_EQ(count("guest_tokens"), 0);

  service::OrderSettings off;
  off.guest_checkout = false;
  service::OrderService closed(*pool_, bus_, off);
  auto refused = closed.place(guest, request({{"name", "Gwen"}, {"phone", "+1 555 0100"}}), {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::unauthorized);
  // A signed-in customer's order carries no token.
  const auto customer = insert_user_of_role(*pool_, auth::Role::customer);
  auto own = orders_->place(customer, request({}), {});
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_EQ(own->body.find("guest_token"), std::string::npos);
  EXPECT_EQ(count("guest_tokens"), 0);
}

}  // namespace
}  // namespace crema::test

// Order notifications by the channel the recipient has (SPEC §15.1), on the store under
// test: an account's by its notify_channel (email by default; sms to its phone, by email
// while it has none; both), a guest's by email, or by SMS when only a phone was given.

#include <set>

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "service/order_service.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;

class NotifyChannelTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    orders_.emplace(*pool_, bus_, service::OrderSettings{});
    loaf_ = make_product("Channel loaf", "Bread", 500);
  }

  service::OrderRequest request(std::optional<json::object> info = std::nullopt) {
    service::OrderRequest r;
    service::OrderLine l;
    l.product_id = loaf_;
    l.quantity = 1;
    r.items = {l};
    r.items_given = true;
    r.customer_info = std::move(info);
    return r;
  }
  // A customer with this phone (or none) and notify_channel.
  service::Actor customer(std::optional<std::string> phone, const std::string& channel) {
    auto who = insert_user_of_role(*pool_, auth::Role::customer);
    pool_->transact([&](db::Transaction& tx) {
      tx.exec("UPDATE users SET phone = $2, notify_channel = $3 WHERE id = $1",
              {std::string_view(who.user_id()),
               phone ? db::Param(std::string_view(*phone)) : db::Param(nullptr),
               std::string_view(channel)});
    });
    return who;
  }
  // The channel:recipient of each order_placed message of the order.
  std::set<std::string> placed_messages(const std::string& order_number) {
    std::set<std::string> out;
    for (const auto& row :
         pool_->read()->exec("SELECT channel, recipient, payload FROM outbox "
                             "WHERE kind = 'notification' AND type = 'order_placed'")) {
      if (row.text(2).find(order_number) == std::string::npos) continue;
      out.insert(row.text(0) + ":" + row.text(1));
    }
    return out;
  }
  std::string place(const service::Actor& who, std::optional<json::object> info = std::nullopt) {
    auto placed = orders_->place(who, request(std::move(info)), {});
    EXPECT_TRUE(placed) << placed.error().message;
    if (!placed) return {};
    return std::string(json::parse(placed->body).at("order_number").as_string());
  }

  std::optional<service::OrderService> orders_;
  std::string loaf_;
};

TEST_F(NotifyChannelTest, AnAccountGetsItsOrderMessagesByTheChannelItChose) {
  const std::string phone = "+44 20 7946 0100";
  auto by_email = customer(phone, "email");
  auto by_sms = customer(phone, "sms");
  auto sms_no_phone = customer(std::nullopt, "sms");
  auto both = customer(phone, "both");
  auto both_no_phone = customer(std::nullopt, "both");
  auto email_of = [&](const service::Actor& a) {
    return pool_->read()
        ->exec("SELECT email FROM users WHERE id = $1", {std::string_view(a.user_id())})
        .front()
        .text(0);
  };
  using Set = std::set<std::string>;
  EXPECT_EQ(placed_messages(place(by_email)), (Set{"email:" + email_of(by_email)}));
  EXPECT_EQ(placed_messages(place(by_sms)), (Set{"sms:" + phone}));
  EXPECT_EQ(placed_messages(place(sms_no_phone)), (Set{"email:" + email_of(sms_no_phone)}))
      << "no phone: by email";
  EXPECT_EQ(placed_messages(place(both)), (Set{"email:" + email_of(both), "sms:" + phone}));
  EXPECT_EQ(placed_messages(place(both_no_phone)), (Set{"email:" + email_of(both_no_phone)}));

  // A status change goes the same way.
  const std::string number = place(by_sms);
  auto id = pool_->read()
                ->exec("SELECT id FROM orders WHERE order_number = $1", {std::string_view(number)})
                .front()
                .text(0);
  ASSERT_TRUE(orders_->change_status(staff_, id, domain::OrderStatus::confirmed, "", {}));
  auto changed = pool_->read()->exec(
      "SELECT channel, recipient FROM outbox WHERE type = 'order_status_changed' AND user_id = $1",
      {std::string_view(by_sms.user_id())});
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed.front().text(0), "sms");
  EXPECT_EQ(changed.front().text(1), phone);
}

TEST_F(NotifyChannelTest, AGuestGetsEmailOrSmsWhenOnlyAPhoneWasGiven) {
  service::Actor guest;
  using Set = std::set<std::string>;
  EXPECT_EQ(placed_messages(place(guest, json::object{{"name", "Gil"},
                                                      {"email", "gil@example.com"},
                                                      {"phone", "+1 555 0199"}})),
            (Set{"email:gil@example.com"}));
  EXPECT_EQ(placed_messages(place(guest, json::object{{"name", "Gil"}, {"phone", "+1 555 0198"}})),
            (Set{"sms:+1 555 0198"}));
}

}  // namespace
}  // namespace crema::test

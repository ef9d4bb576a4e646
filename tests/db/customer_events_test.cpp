// SPEC §15.5's catering events, the customer's side, on the store under test: the owner
// accepts a quote into the same linked order a manager's confirmation makes, every move is
// an outbox row for the customer (their account, or a phone-in request's email or phone) in
// the move's transaction, and edits of open requests withdraw a quote.

#include "db/catalogue_fixture.hpp"
#include "repo/order_repo.hpp"
#include "service/event_service.hpp"
#include "service/order_service.hpp"

namespace crema::test {
namespace {

using domain::EventStatus;

class CustomerEventsTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    orders_.emplace(*pool_, bus_, service::OrderSettings{});
    events_.emplace(*pool_, bus_, *orders_);
  }
  std::string product(const std::string& name) {
    return make_product(name, "Test", 500, units(100));
  }
  service::EventInput request(const std::string& pid) {
    service::EventInput in;
    in.event_type = "party";
    in.date = "2999-06-01";
    in.guests = 12;
    in.items = {{pid, 4}};
    return in;
  }
  // The outbox rows of `type` about event `id`: (recipient, channel, user_id or "").
  std::vector<std::tuple<std::string, std::string, std::string>> messages(std::string_view type,
                                                                          const std::string& id) {
    auto rows = pool_->read()->exec(
        "SELECT recipient, channel, user_id, payload FROM outbox WHERE type = $1 ORDER BY "
        "created_at",
        {type});
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (auto r : rows)
      if (r.text(3).find(id) != std::string::npos)
        out.emplace_back(r.text(0), r.text(1), r.opt_text(2).value_or(""));
    return out;
  }

  std::optional<service::OrderService> orders_;
  std::optional<service::EventService> events_;
};

TEST_F(CustomerEventsTest, TheOwnerAcceptsAQuoteAndIsToldOfEveryMove) {
  const auto pid = product("Owner cake");
  auto customer = insert_user_of_role(*pool_, auth::Role::customer);
  auto ev = events_->create(customer, request(pid));
  ASSERT_TRUE(ev) << ev.error().message;
  // Nothing to accept yet; and the owner never quotes.
  auto early = events_->change_status(customer, ev->id, {EventStatus::confirmed});
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::forbidden);
  auto self_quote = events_->change_status(customer, ev->id, {EventStatus::quoted, 100});
  ASSERT_FALSE(self_quote);
  EXPECT_EQ(self_quote.error().code, ErrorCode::forbidden);

  clear_events();
  ASSERT_TRUE(events_->change_status(manager_, ev->id, {EventStatus::quoted, 1800}));
  auto quoted = messages("event_quoted", ev->id);
  ASSERT_EQ(quoted.size(), 1u);
  EXPECT_EQ(std::get<2>(quoted[0]), customer.user_id());
  EXPECT_EQ(events_of("event_updated").size(), 1u);

  const auto orders_before = count("orders");
  auto accepted = events_->change_status(customer, ev->id, {EventStatus::confirmed});
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(count("orders"), orders_before + 1);
  auto order = repo::find_order(*pool_->read(), accepted->order_id);
  ASSERT_TRUE(order);
  EXPECT_EQ(order->customer_id, customer.user_id());
  EXPECT_EQ(order->total_amount, 1800);
  EXPECT_EQ(messages("event_status_changed", ev->id).size(), 1u);
  EXPECT_EQ(events_of("event_updated").size(), 2u);
  // A refused move writes nothing.
  auto late = events_->change_status(customer, ev->id, {EventStatus::cancelled});
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::forbidden);
  EXPECT_EQ(messages("event_status_changed", ev->id).size(), 1u);
}

TEST_F(CustomerEventsTest, StaffEnterPhoneInRequestsAndEditsWithdrawTheQuote) {
  const auto pid = product("Phone cake");
  auto in = request(pid);
  auto missing = events_->create(staff_, in);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::validation_failed);
  in.customer_info = boost::json::object{{"name", "Cy"}, {"email", "cy@example.com"}};
  auto ev = events_->create(staff_, in);
  ASSERT_TRUE(ev) << ev.error().message;
  EXPECT_TRUE(ev->customer_id.empty());
  auto stored = pool_->read()->exec("SELECT customer_id IS NULL FROM event_requests WHERE id = $1",
                                    {std::string_view(ev->id)});
  EXPECT_TRUE(stored.front().boolean(0));

  ASSERT_TRUE(events_->change_status(manager_, ev->id, {EventStatus::quoted, 900}));
  auto quoted = messages("event_quoted", ev->id);
  ASSERT_EQ(quoted.size(), 1u);
  EXPECT_EQ(std::get<0>(quoted[0]), "cy@example.com");
  EXPECT_EQ(std::get<1>(quoted[0]), "email");
  EXPECT_EQ(std::get<2>(quoted[0]), "");

  // No customer owns a phone-in request.
  auto stranger = insert_user_of_role(*pool_, auth::Role::customer);
  service::EventEdit edit;
  edit.guests = 20;
  EXPECT_EQ(events_->edit(stranger, ev->id, edit).error().code, ErrorCode::not_found);
  EXPECT_EQ(events_->get(stranger, ev->id).error().code, ErrorCode::not_found);

  auto edited = events_->edit(staff_, ev->id, edit);
  ASSERT_TRUE(edited) << edited.error().message;
  EXPECT_EQ(edited->guests, 20);
  EXPECT_EQ(edited->status, EventStatus::requested);
  EXPECT_FALSE(edited->quote_amount);
  auto reread = events_->get(manager_, ev->id);
  ASSERT_TRUE(reread);
  EXPECT_EQ(reread->guests, 20);
  EXPECT_FALSE(reread->quote_amount);
  EXPECT_EQ(reread->event_type, "party");

  edit.expected_version = 1;
  EXPECT_EQ(events_->edit(staff_, ev->id, edit).error().code, ErrorCode::version_conflict);
  edit.expected_version.reset();
  edit.date = "2000-01-01";
  EXPECT_EQ(events_->edit(staff_, ev->id, edit).error().code, ErrorCode::validation_failed);
  edit.date.reset();
  ASSERT_TRUE(events_->change_status(manager_, ev->id, {EventStatus::declined}));
  EXPECT_EQ(messages("event_status_changed", ev->id).size(), 1u);
  EXPECT_EQ(events_->edit(staff_, ev->id, edit).error().code, ErrorCode::conflict);
}

}  // namespace
}  // namespace crema::test

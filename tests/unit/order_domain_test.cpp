// The pure rules of orders (SPEC §6): the status machine with its delivery-only states and
// the in-progress alias, who may make which move, pricing with modifiers and tax in exact
// minor units, the kitchen estimate and order numbers.

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "domain/order.hpp"

namespace crema::domain {
namespace {

using auth::Role;
using S = OrderStatus;

constexpr S kAll[] = {S::pending,          S::confirmed, S::preparing, S::ready,
                      S::out_for_delivery, S::delivered, S::completed, S::cancelled};

Order order_in(S status, bool delivery = false, PaymentStatus pay = PaymentStatus::pending) {
  Order o;
  o.status = status;
  o.type = delivery ? OrderType::online : OrderType::takeaway;
  o.is_pickup = !delivery;
  o.payment_status = pay;
  return o;
}

OrderCaller staff(Role r = Role::staff) { return OrderCaller{r, false, false, false, false}; }

TEST(OrderStatusNames, RoundTripAndTheInProgressAlias) {
  for (S s : kAll) EXPECT_EQ(parse_order_status(order_status_name(s)), s);
  EXPECT_EQ(parse_order_status("in-progress"), S::preparing);
  EXPECT_EQ(parse_order_status("in_progress"), S::preparing);
  EXPECT_FALSE(parse_order_status("Pending"));
  EXPECT_FALSE(parse_order_status(""));
  EXPECT_EQ(parse_order_type("dine-in"), OrderType::dine_in);
  EXPECT_FALSE(parse_order_type("dine_in"));
  EXPECT_EQ(parse_payment_status("partially_refunded"), PaymentStatus::partially_refunded);
}

TEST(OrderMachine, ExactlyTheEdgesOfTheSpec) {
  // Every (from, to) pair for both kinds of order: the legal ones listed, everything else not.
  auto legal = [](S from, S to, bool delivery) {
    switch (from) {
      case S::pending:
        return to == S::confirmed || to == S::cancelled;
      case S::confirmed:
        return to == S::preparing || to == S::cancelled;
      case S::preparing:
        return to == S::ready || to == S::cancelled;
      case S::ready:
        return delivery ? to == S::out_for_delivery : to == S::completed;
      case S::out_for_delivery:
        return delivery && to == S::delivered;
      default:
        return false;
    }
  };
  int edges = 0;
  for (bool delivery : {false, true})
    for (S from : kAll)
      for (S to : kAll) {
        EXPECT_EQ(edge_exists(from, to, delivery), legal(from, to, delivery))
            << order_status_name(from) << " -> " << order_status_name(to) << " delivery "
            << delivery;
        edges += edge_exists(from, to, delivery) ? 1 : 0;
      }
  EXPECT_EQ(edges, 7 + 8);
  EXPECT_FALSE(edge_exists(S::ready, S::completed, true)) << "a delivery ends at delivered";
  EXPECT_FALSE(edge_exists(S::ready, S::out_for_delivery, false)) << "only deliveries go out";
  EXPECT_TRUE(is_final(S::delivered));
  EXPECT_TRUE(counts_as_completed(S::delivered));
  EXPECT_FALSE(counts_as_completed(S::cancelled));
}

TEST(OrderMachine, StaffMayMakeEveryLegalMoveAndNothingElse) {
  for (bool delivery : {false, true})
    for (S from : kAll)
      for (S to : kAll) {
        auto verdict = check_transition(order_in(from, delivery), to, staff());
        EXPECT_EQ(verdict,
                  edge_exists(from, to, delivery) ? Refusal::none : Refusal::invalid_transition);
      }
}

TEST(OrderMachine, PaidOrdersAreCancelledOnlyByManagersAndAdmins) {
  for (S from : {S::pending, S::confirmed, S::preparing}) {
    auto paid = order_in(from, false, PaymentStatus::paid);
    EXPECT_EQ(check_transition(paid, S::cancelled, staff()), Refusal::forbidden);
    EXPECT_EQ(check_transition(paid, S::cancelled, staff(Role::manager)), Refusal::none);
    EXPECT_EQ(check_transition(paid, S::cancelled, staff(Role::admin)), Refusal::none);
    auto unpaid = order_in(from);
    EXPECT_EQ(check_transition(unpaid, S::cancelled, staff()), Refusal::none);
  }
  auto part = order_in(S::confirmed, false, PaymentStatus::partially_refunded);
  EXPECT_EQ(check_transition(part, S::cancelled, staff()), Refusal::forbidden);
  auto done = order_in(S::completed, false, PaymentStatus::paid);
  EXPECT_EQ(check_transition(done, S::cancelled, staff(Role::admin)), Refusal::invalid_transition);
}

TEST(OrderMachine, CustomersCancelTheirOwnOrderOnlyWhilePending) {
  const OrderCaller owner{Role::customer, false, true, false, false};
  const OrderCaller stranger{Role::customer, false, false, false, false};
  EXPECT_EQ(check_transition(order_in(S::pending), S::cancelled, owner), Refusal::none);
  EXPECT_EQ(check_transition(order_in(S::pending), S::cancelled, stranger), Refusal::not_found);
  EXPECT_EQ(check_transition(order_in(S::confirmed), S::cancelled, owner),
            Refusal::invalid_transition);
  EXPECT_EQ(check_transition(order_in(S::preparing), S::cancelled, owner),
            Refusal::invalid_transition);
  EXPECT_EQ(check_transition(order_in(S::pending), S::confirmed, owner), Refusal::forbidden);
  EXPECT_EQ(check_transition(order_in(S::pending, false, PaymentStatus::paid), S::cancelled, owner),
            Refusal::forbidden);
}

TEST(OrderMachine, DriversOnlyDeliverTheirOwnDelivery) {
  const OrderCaller mine{Role::driver, false, false, true, false};
  const OrderCaller other{Role::driver, false, false, false, false};
  EXPECT_EQ(check_transition(order_in(S::out_for_delivery, true), S::delivered, mine),
            Refusal::none);
  EXPECT_EQ(check_transition(order_in(S::out_for_delivery, true), S::delivered, other),
            Refusal::not_found);
  EXPECT_EQ(check_transition(order_in(S::ready, true), S::out_for_delivery, mine),
            Refusal::forbidden);
  EXPECT_EQ(check_transition(order_in(S::out_for_delivery, true), S::cancelled, mine),
            Refusal::invalid_transition);
  EXPECT_EQ(check_transition(order_in(S::preparing, true), S::cancelled, mine), Refusal::forbidden);
}

TEST(OrderMachine, WhoMaySeeAnOrder) {
  EXPECT_TRUE(may_view({Role::staff, false, false, false, false}));
  EXPECT_TRUE(may_view({Role::customer, false, true, false, false}));
  EXPECT_FALSE(may_view({Role::customer, false, false, false, false}));
  EXPECT_TRUE(may_view({Role::driver, false, false, true, false}));
  EXPECT_FALSE(may_view({Role::driver, false, false, false, false}));
  EXPECT_TRUE(may_view({Role::customer, true, false, false, true}));
  EXPECT_FALSE(may_view({Role::admin, true, false, false, false})) << "an API key sees its own";
}

Product order_latte() {
  Product p;
  p.id = "p1";
  p.name = "Latte";
  p.price = 450;
  p.modifiers = {
      {"oat", "Oat milk", 60, {}}, {"large", "Large", 100, {}}, {"no-syrup", "No syrup", -30, {}}};
  return p;
}

TEST(OrderPricing, UnitPriceAddsEachModifierDelta) {
  const auto p = order_latte();
  EXPECT_EQ(*unit_price(p, {}), 450);
  std::vector<std::string> mods = {"oat", "large"};
  EXPECT_EQ(*unit_price(p, mods), 610);
  mods = {"no-syrup"};
  EXPECT_EQ(*unit_price(p, mods), 420);
}

TEST(OrderPricing, UnknownRepeatedOrNegativeModifiersAre422WithTheirIndex) {
  const auto p = order_latte();
  std::vector<std::string> mods = {"oat", "whipped", "oat"};
  auto r = unit_price(p, mods);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::validation_failed);
  ASSERT_EQ(r.error().details.size(), 2u);
  EXPECT_EQ(r.error().details[0].field, "modifiers[1]");
  EXPECT_EQ(r.error().details[1].field, "modifiers[2]");
  auto cheap = order_latte();
  cheap.price = 20;
  std::vector<std::string> minus = {"no-syrup"};
  auto neg = unit_price(cheap, minus);
  ASSERT_FALSE(neg);
  EXPECT_EQ(neg.error().details.at(0).field, "modifiers");
}

TEST(OrderPricing, TotalsAreExactMinorUnitsWithTaxRoundedOnce) {
  std::vector<OrderItem> items(2);
  items[0].unit_price = 610;
  items[0].quantity = 3;
  items[1].unit_price = 333;
  items[1].quantity = 1;
  auto t = order_totals(items, 0, 825);  // 8.25 %
  EXPECT_EQ(t.subtotal, 2163);
  EXPECT_EQ(t.tax, 178);  // 178.4475 → 178
  EXPECT_EQ(t.total, 2341);
  auto none = order_totals(items, 0, 0);
  EXPECT_EQ(none.tax, 0);
  EXPECT_EQ(none.total, 2163);
  std::vector<OrderItem> one(1);
  one[0].unit_price = 10;
  one[0].quantity = 1;
  EXPECT_EQ(order_totals(one, 0, 500).tax, 1);  // 0.5 rounds away from zero
  auto adjusted = order_totals(items, -163, 1000);
  EXPECT_EQ(adjusted.tax, 200);
  EXPECT_EQ(adjusted.total, 2200);
}

TEST(OrderEstimate, OwnPrepPlusTheQueueSharedOutRoundedUp) {
  // A lone 5-minute latte takes 5 minutes, however many cooks there are.
  EXPECT_EQ(estimated_minutes(5, 0, 2), 5);
  EXPECT_EQ(estimated_minutes(5, 0, 4), 5);
  EXPECT_EQ(estimated_minutes(5, 12, 2), 11);
  EXPECT_EQ(estimated_minutes(4, 5, 2), 7);  // 5 / 2 rounded up
  EXPECT_EQ(estimated_minutes(0, 0, 2), 0);
  EXPECT_EQ(estimated_minutes(7, 3, 1), 10);
  EXPECT_EQ(estimated_minutes(3, 10, 0), 13);  // parallelism below 1 counts as 1
  for (int own : {1, 5, 30})
    for (int queue : {0, 1, 7, 100})
      for (int par : {1, 2, 3, 8}) EXPECT_GE(estimated_minutes(own, queue, par), own);
}

TEST(OrderNumbers, DateAndFourDigitSequence) {
  EXPECT_EQ(order_number("20261122", 42), "20261122-0042");
  EXPECT_EQ(order_number("20261122", 1), "20261122-0001");
  EXPECT_EQ(order_number("20261122", 12345), "20261122-12345");
}

TEST(OrderJson, ShapeOfTheSpec) {
  Order o = order_in(S::pending, true);
  o.id = "o1";
  o.order_number = "20261122-0001";
  o.subtotal = 950;
  o.total_amount = 1028;
  o.tax_amount = 78;
  o.customer_id = "c1";
  o.delivery_info = boost::json::object{{"address", "1 Rue X"}};
  o.metadata = {{"k", "v"}};
  OrderItem it;
  it.id = "i1";
  it.product_id = "p1";
  it.name = "Latte";
  it.unit_price = 475;
  it.quantity = 2;
  it.line_total = 950;
  it.modifiers = {"oat"};
  it.options = {{"inscription", "Happy birthday"}};
  o.items.push_back(it);
  o.history.push_back({S::pending, 1'700'000'000'000, "c1", ""});
  auto j = to_json(o);
  EXPECT_EQ(j.at("total_amount").as_double(), 10.28);
  EXPECT_EQ(j.at("type"), "online");
  EXPECT_EQ(j.at("status"), "pending");
  EXPECT_EQ(j.at("delivery_info").at("address"), "1 Rue X");
  EXPECT_TRUE(j.at("delivery_info").at("driver_id").is_null());
  EXPECT_EQ(j.at("items").at(0).at("unit_price").as_double(), 4.75);
  EXPECT_EQ(j.at("items").at(0).at("options").at("inscription"), "Happy birthday");
  EXPECT_EQ(j.at("history").at(0).at("by"), "c1");
  EXPECT_EQ(j.at("metadata").at("k"), "v");
  EXPECT_TRUE(j.at("cancelled_at").is_null());
  EXPECT_FALSE(j.contains("stock_needs")) << "internal bookkeeping stays inside";

  // Assigned (SPEC §8): delivery_info.driver_id is the driver profile id kept in
  // delivery_info; the user id in driver_id (access, topics) shows only for older rows.
  o.driver_id = "driver-user";
  EXPECT_EQ(to_json(o).at("delivery_info").at("driver_id"), "driver-user");
  (*o.delivery_info)["driver_id"] = "driver-profile";
  EXPECT_EQ(to_json(o).at("delivery_info").at("driver_id"), "driver-profile");
  // Unassigned: null, whatever delivery_info still says (a client may send one).
  o.driver_id.clear();
  EXPECT_TRUE(to_json(o).at("delivery_info").at("driver_id").is_null());
}

TEST(OrderStock, NeedsRoundTripThroughStorage) {
  std::vector<StockNeed> needs = {{"a", 1500}, {"b", 3}};
  EXPECT_EQ(needs_from_storage(needs_to_storage(needs)), needs);
  EXPECT_TRUE(needs_from_storage("[]").empty());
}

}  // namespace
}  // namespace crema::domain

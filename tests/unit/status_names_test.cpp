// The name tables of the status enums (domain/name_table.hpp) and the OpenAPI `enum` lists
// made from them (api/enum_lists.hpp): every value round-trips, unknown text is refused, the
// wire values are today's, and the document lists exactly what the tables hold.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api/enum_lists.hpp"
#include "api/routes.hpp"
#include "domain/order.hpp"
#include "domain/statuses.hpp"
#include "obs/metrics.hpp"

namespace crema::domain {
namespace {

namespace json = boost::json;
using Names = std::vector<std::string_view>;

// Every enumerator's name parses back to it, every name is the expected wire value in order,
// and text that is no name (other case, other spelling, empty) parses to nothing.
template <class E, std::size_t N>
void expect_table(const NameTable<E, N>& table, const Names& wire) {
  ASSERT_EQ(N, wire.size());
  EXPECT_EQ(Names(table.begin(), table.end()), wire);
  for (std::size_t i = 0; i < N; ++i) {
    const auto value = static_cast<E>(i);
    EXPECT_EQ(table.name(value), wire[i]);
    ASSERT_TRUE(table.parse(table.name(value)).has_value()) << wire[i];
    EXPECT_EQ(*table.parse(table.name(value)), value) << wire[i];
    std::string upper(wire[i]);
    for (auto& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    EXPECT_FALSE(table.parse(upper).has_value()) << upper;
    EXPECT_FALSE(table.parse(std::string(wire[i]) + " ").has_value()) << wire[i];
  }
  EXPECT_FALSE(table.parse("").has_value());
  EXPECT_FALSE(table.parse("unknown").has_value());
}

TEST(StatusNames, OrderTables) {
  expect_table(kOrderTypes, {"dine-in", "takeaway", "online", "event"});
  expect_table(kOrderStatuses, {"pending", "confirmed", "preparing", "ready", "out_for_delivery",
                                "delivered", "completed", "cancelled"});
  expect_table(kPaymentStatuses, {"pending", "paid", "failed", "refunded", "partially_refunded"});
  expect_table(kStockStates, {"reserved", "committed", "released", "restocked", "consumed"});
  // The alias is accepted by the parser of the order's API, not by the table.
  EXPECT_FALSE(kOrderStatuses.parse(kInProgressAlias).has_value());
  EXPECT_EQ(parse_order_status("in-progress"), OrderStatus::preparing);
  EXPECT_EQ(parse_order_status("out_for_delivery"), OrderStatus::out_for_delivery);
  EXPECT_FALSE(parse_order_status("shipped").has_value());
}

TEST(StatusNames, PaymentTables) {
  expect_table(kChargeStatuses,
               {"pending", "succeeded", "failed", "refunded", "partially_refunded"});
  expect_table(kRefundStatuses, {"pending", "succeeded", "failed"});
  EXPECT_EQ(name(ChargeStatus::partially_refunded), "partially_refunded");
  EXPECT_EQ(name(RefundStatus::failed), "failed");
}

TEST(StatusNames, DeliveryTable) {
  expect_table(kDeliveryStatuses, {"assigned", "picked_up", "delivered", "failed"});
  EXPECT_EQ(name(DeliveryStatus::picked_up), "picked_up");
}

TEST(StatusNames, EventTable) {
  expect_table(kEventStatuses,
               {"requested", "quoted", "confirmed", "declined", "completed", "cancelled"});
  EXPECT_EQ(name(EventStatus::declined), "declined");
}

TEST(StatusNames, ReviewTable) {
  expect_table(kReviewStatuses, {"visible", "flagged", "hidden"});
  EXPECT_EQ(name(ReviewStatus::flagged), "flagged");
}

TEST(StatusNames, OutboxTable) {
  expect_table(kOutboxStatuses, {"queued", "sent", "failed"});
  EXPECT_EQ(name(OutboxStatus::sent), "sent");
}

// ---- the OpenAPI document ---------------------------------------------------------------------

struct StatusNamesRoutes {
  obs::Metrics metrics;
  http::Router router;
  api::OpenApi openapi;
  api::AppServices services{
      std::make_shared<api::OpsContext>(api::OpsContext{metrics, {}, nullptr})};
  StatusNamesRoutes() { api::register_all_routes(router, openapi, services); }
};

Names names_in(const json::value& list) {
  Names out;
  for (const auto& v : list.as_array()) out.emplace_back(v.as_string());
  return out;
}

template <class Table>
Names all_of(const Table& table) {
  return Names(table.begin(), table.end());
}

const json::value& property(const json::object& doc, std::string_view schema,
                            std::string_view prop) {
  return doc.at("components").at("schemas").at(schema).at("properties").at(prop);
}

Names query_enum(const json::object& doc, std::string_view path, std::string_view param) {
  for (const auto& p : doc.at("paths").at(path).at("get").at("parameters").as_array())
    if (p.at("name").as_string() == param) return names_in(p.at("schema").at("enum"));
  ADD_FAILURE() << "no query parameter " << param << " on GET " << path;
  return {};
}

// No `"enum": "$name"` placeholder is left anywhere in the document.
void expect_no_placeholder(const json::value& v, const std::string& where) {
  if (const auto* arr = v.if_array()) {
    for (const auto& item : *arr) expect_no_placeholder(item, where);
  } else if (const auto* obj = v.if_object()) {
    for (const auto& [key, value] : *obj) {
      if (key == "enum") {
        EXPECT_TRUE(value.is_array()) << where;
      }
      expect_no_placeholder(value, where + "/" + std::string(key));
    }
  }
}

TEST(StatusNames, TheDocumentListsWhatTheTablesHold) {
  StatusNamesRoutes app;
  const json::object doc = app.openapi.document(app.router);
  expect_no_placeholder(doc, "");

  EXPECT_EQ(names_in(property(doc, "Order", "status").at("enum")), all_of(kOrderStatuses));
  EXPECT_EQ(names_in(property(doc, "Order", "payment_status").at("enum")),
            all_of(kPaymentStatuses));
  EXPECT_EQ(names_in(property(doc, "Order", "type").at("enum")), all_of(kOrderTypes));
  EXPECT_EQ(
      names_in(
          property(doc, "Order", "history").at("items").at("properties").at("status").at("enum")),
      all_of(kOrderStatuses));
  // What PUT /orders/{id}/status accepts: every status and the alias in-progress.
  Names input = all_of(kOrderStatuses);
  input.insert(input.begin() + 3, kInProgressAlias);
  EXPECT_EQ(names_in(property(doc, "OrderStatusChange", "status").at("enum")), input);
  EXPECT_EQ(api::enum_list("order_status_input"), input);
  EXPECT_EQ(query_enum(doc, "/api/v1/orders", "payment_status"), all_of(kPaymentStatuses));

  EXPECT_EQ(names_in(property(doc, "CheckoutResult", "payment_status").at("enum")),
            all_of(kPaymentStatuses));
  EXPECT_EQ(names_in(property(doc, "PaymentTransaction", "status").at("enum")),
            all_of(kChargeStatuses));
  EXPECT_EQ(names_in(property(doc, "PaymentTransaction", "refunds")
                         .at("items")
                         .at("properties")
                         .at("status")
                         .at("enum")),
            all_of(kRefundStatuses));

  EXPECT_EQ(names_in(property(doc, "Delivery", "status").at("enum")), all_of(kDeliveryStatuses));
  EXPECT_EQ(names_in(property(doc, "DeliveryStatusChange", "status").at("enum")),
            (Names{"picked_up", "delivered", "failed"}));
  EXPECT_EQ(query_enum(doc, "/api/v1/deliveries", "status"), all_of(kDeliveryStatuses));

  EXPECT_EQ(names_in(property(doc, "EventRequest", "status").at("enum")), all_of(kEventStatuses));
  EXPECT_EQ(names_in(property(doc, "EventStatusChange", "status").at("enum")),
            all_of(kEventStatuses));
  EXPECT_EQ(query_enum(doc, "/api/v1/events", "status"), all_of(kEventStatuses));

  EXPECT_EQ(names_in(property(doc, "Review", "status").at("enum")), all_of(kReviewStatuses));
  EXPECT_EQ(names_in(property(doc, "ReviewStatusChange", "status").at("enum")),
            all_of(kReviewStatuses));
  EXPECT_EQ(query_enum(doc, "/api/v1/reviews", "status"), all_of(kReviewStatuses));

  EXPECT_EQ(names_in(property(doc, "Notification", "status").at("enum")), all_of(kOutboxStatuses));
  EXPECT_EQ(names_in(property(doc, "WebhookDelivery", "status").at("enum")),
            all_of(kOutboxStatuses));
}

TEST(StatusNames, AnUnknownListIsRefused) {
  EXPECT_THROW(api::enum_list("no_such_list"), std::logic_error);
  api::OpenApi openapi;
  EXPECT_THROW(openapi.add_schema("Broken", R"({"type": "string", "enum": "$no_such_list"})"),
               std::logic_error);
  openapi.add_schema("Fine", R"({"type": "string", "enum": "$review_status"})");
}

}  // namespace
}  // namespace crema::domain

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api/input.hpp"
#include "api/pagination.hpp"
#include "domain/money.hpp"
#include "util/json_text.hpp"

namespace crema::api {
namespace {

namespace json = boost::json;

TEST(Money, ExactMinorUnits) {
  EXPECT_EQ(domain::money_from_major(9.50), 950);
  EXPECT_EQ(domain::money_from_major(19.99), 1999);
  EXPECT_EQ(domain::money_from_major(0.1 + 0.2), 30);
  EXPECT_EQ(domain::money_from_major(0), 0);
  EXPECT_EQ(domain::money_from_major(-4.2), -420);
  EXPECT_EQ(domain::money_from_major(99999999.99), 9999999999);
  EXPECT_FALSE(domain::money_from_major(19.995));
  EXPECT_FALSE(domain::money_from_major(1.001));
  EXPECT_FALSE(domain::money_from_major(1e12));
  EXPECT_FALSE(domain::money_from_major(std::nan("")));
  EXPECT_DOUBLE_EQ(domain::money_to_major(950), 9.5);
  EXPECT_EQ(util::to_json(json::value(domain::money_to_major(1999))), "19.99");
  EXPECT_EQ(util::to_json(json::value(domain::money_to_major(950))), "9.5");
  EXPECT_EQ(util::to_json(json::value(domain::quantity_to_units(2125))), "2.125");
}

TEST(Money, QuantitiesInThousandths) {
  EXPECT_EQ(domain::quantity_from_units(2.125), 2125);
  EXPECT_EQ(domain::quantity_from_units(0.001), 1);
  EXPECT_FALSE(domain::quantity_from_units(0.0005));
  EXPECT_DOUBLE_EQ(domain::quantity_to_units(2125), 2.125);
}

TEST(Money, TaxRoundsHalfAwayFromZero) {
  EXPECT_EQ(domain::tax_on(1000, 1000), 100);  // 10% of 10.00
  EXPECT_EQ(domain::tax_on(995, 1000), 100);   // 99.5 → 100
  EXPECT_EQ(domain::tax_on(994, 1000), 99);
  EXPECT_EQ(domain::tax_on(-995, 1000), -100);
  EXPECT_EQ(domain::tax_on(12345, 0), 0);
}

TEST(Input, CollectsEveryProblemAtOnce) {
  auto body = json::parse(R"({
    "name": "", "price": 9.999, "qty": 0, "kind": "cake", "tags": "x",
    "items": [{"productId": "not-a-uuid", "quantity": 101}], "meta": {"a": 1}
  })");
  Input in(body);
  EXPECT_FALSE(in.text("name", Need::required, 1, 100));
  EXPECT_FALSE(in.money("price", Need::required));
  EXPECT_FALSE(in.integer("qty", Need::required, 1, 100));
  EXPECT_FALSE(in.one_of("kind", Need::required, {"ingredient", "product"}));
  EXPECT_FALSE(in.array("tags", Need::optional, 0, 10));
  EXPECT_FALSE(in.text("missing", Need::required));
  EXPECT_FALSE(in.text("absent_optional", Need::optional));
  auto* items = in.array("items", Need::required, 1, 50);
  ASSERT_NE(items, nullptr);
  Input item = in.child((*items)[0], "items[0]");
  EXPECT_FALSE(item.uuid({"product_id", "productId"}, Need::required));
  EXPECT_FALSE(item.integer("quantity", Need::required, 1, 100));
  EXPECT_FALSE(in.object("meta", Need::optional, 4));
  ASSERT_FALSE(in.ok());
  std::vector<std::string> fields;
  for (const auto& i : in.issues()) fields.push_back(i.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"name", "price", "qty", "kind", "tags", "missing",
                                              "items[0].product_id", "items[0].quantity", "meta"}));
  auto e = in.error();
  EXPECT_EQ(e.code, ErrorCode::validation_failed);
  EXPECT_EQ(e.details.size(), 9u);
}

TEST(Input, AcceptsGoodValuesAndCamelCaseAliases) {
  auto body = json::parse(
      R"({"name":"Flat white","price":4.5,"isPickup":true,"customerInfo":{"name":"Amal"},
          "id":"0193A5B2-7C1D-7000-8000-000000000001","qty":2.125})");
  Input in(body);
  EXPECT_EQ(in.text("name", Need::required, 1, 100), "Flat white");
  EXPECT_EQ(in.money("price", Need::required), 450);
  EXPECT_EQ(in.boolean({"is_pickup", "isPickup"}, Need::required), true);
  EXPECT_TRUE(in.object({"customer_info", "customerInfo"}, Need::required, 1024));
  EXPECT_EQ(in.uuid("id", Need::required), "0193a5b2-7c1d-7000-8000-000000000001");
  EXPECT_EQ(in.quantity("qty", Need::required, 0, 1000000), 2125);
  EXPECT_TRUE(in.ok());
}

// PostgreSQL cannot store U+0000 and SQLite can: text holding it is refused for both.
TEST(Input, TextWithANulCharacterIsRefused) {
  auto body = json::parse(R"({"name":"a\u0000b","notes":"line 1\nline 2\tend"})");
  Input in(body);
  EXPECT_FALSE(in.text("name", Need::required, 1, 100));
  EXPECT_EQ(in.text("notes", Need::required, 1, 100), "line 1\nline 2\tend");
  ASSERT_EQ(in.issues().size(), 1u);
  EXPECT_EQ(in.issues()[0].field, "name");
  http::Request req;
  req.query = {{"q", std::string("ab\0cd", 5)}, {"ok", "crème"}};
  Query q(req);
  EXPECT_FALSE(q.text("q", 100));
  EXPECT_EQ(q.text("ok", 100), "crème");
  EXPECT_FALSE(q.ok());
}

TEST(Input, NonObjectBodyIsOneIssue) {
  Input in(json::value(nullptr));
  EXPECT_FALSE(in.text("name", Need::required));
  ASSERT_EQ(in.issues().size(), 1u);
  EXPECT_EQ(in.issues()[0].field, "body");
}

TEST(Input, VersionFromIfMatchOrBody) {
  http::Request req;
  std::vector<std::pair<std::string, std::string>> h = {{"If-Match", "\"7\""}};
  req.headers.emplace_back(h[0].first, h[0].second);
  json::value empty = json::object{};
  Input in(empty);
  EXPECT_EQ(expected_version(req, in), 7);
  http::Request plain;
  auto body = json::parse(R"({"version": 3})");
  Input in2(body);
  EXPECT_EQ(expected_version(plain, in2), 3);
  http::Request bad;
  std::string v = "\"x\"";
  bad.headers.emplace_back("if-match", v);
  Input in3(empty);
  EXPECT_FALSE(expected_version(bad, in3));
  EXPECT_FALSE(in3.ok());
}

TEST(Query, ValidatesParameters) {
  http::Request req;
  req.query = {{"limit", "500"},           {"in_stock", "yes"},
               {"price_min", "2.5"},       {"date", "2026-02-30"},
               {"status", "pending,nope"}, {"from", "2026-11-22T09:15:00Z"}};
  Query q(req);
  EXPECT_FALSE(q.integer("limit", 1, 200));
  EXPECT_FALSE(q.boolean("in_stock"));
  EXPECT_EQ(q.money("price_min"), 250);
  EXPECT_FALSE(q.date("date"));
  EXPECT_TRUE(q.list_of("status", {"pending", "confirmed"}).empty());
  EXPECT_TRUE(q.time("from"));
  EXPECT_FALSE(q.ok());
  EXPECT_EQ(q.error().code, ErrorCode::bad_request);
  EXPECT_EQ(q.error().details.size(), 4u);
}

TEST(Pagination, CursorsRoundTripAndRejectForgeries) {
  json::array key{"Flat white", "0193a5b2-7c1d-7000-8000-000000000001"};
  auto cursor = encode_cursor(key);
  EXPECT_EQ(cursor.find('='), std::string::npos);
  auto back = decode_cursor(cursor);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, key);
  EXPECT_FALSE(decode_cursor("not a cursor!"));
  EXPECT_FALSE(decode_cursor(encode_cursor(json::array{}).substr(0, 1)));

  http::Request req;
  req.query = {{"limit", "20"}, {"cursor", cursor}};
  Query q(req);
  auto page = page_request(q);
  EXPECT_TRUE(q.ok());
  EXPECT_EQ(page.limit, 20);
  EXPECT_EQ(page.after, key);
  http::Request none;
  Query q2(none);
  EXPECT_EQ(page_request(q2).limit, kDefaultPageSize);

  auto body = page_body(json::array{1, 2}, std::nullopt);
  EXPECT_TRUE(body.at("next_cursor").is_null());
}

TEST(JsonText, MatchesBoostExceptForPlainNumbers) {
  auto v = json::parse(R"({"a":[1,-2,true,null,"x\"y\n\u0001é"],"b":{"c":18446744073709551615}})");
  EXPECT_EQ(json::parse(util::to_json(v)), v);
  EXPECT_EQ(util::to_json(json::value(0.1)), "0.1");
  EXPECT_EQ(util::to_json(json::value(std::nan(""))), "null");
}

}  // namespace
}  // namespace crema::api

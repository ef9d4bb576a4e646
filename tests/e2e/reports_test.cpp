// Black-box tests of the reports (SPEC §12) through the real binary, on both stores: orders
// placed and moved through the API by staff and a customer, their payment state set with
// SQL (the payments routes are another feature's), then every report's figures, its CSV,
// who may read it, and bad query parameters. The exactness over thousands of random orders
// is tests/db/report_test.cpp.

#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "db/pool.hpp"
#include "domain/report.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class Reports : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_TIMEZONE", "America/New_York"},
                                                   {"CREMA_CURRENCY", "EUR"},
                                                   {"CREMA_AUTH_RATE_PER_MIN", "0"},
                                                   {"CREMA_USER_RATE_PER_MIN", "0"}}));
  }
  static void TearDownTestSuite() {
    auth_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    if (!auth_) auth_ = std::make_unique<AuthHelper>(*shared_->server);
    client_ = client_for(*shared_->server);
  }

  HttpResponse call(std::string_view role, std::string_view method, const std::string& path,
                    const json::object& body = {}) {
    const bool has_body = method == "POST" || method == "PUT";
    return client_->request(method, path, has_body ? json::serialize(body) : std::string(),
                            auth_->bearer(role));
  }
  HttpResponse get(std::string_view role, const std::string& path) {
    return call(role, "GET", path);
  }
  std::string product(const std::string& name, double price) {
    auto res = call("manager", "POST", "/api/v1/products",
                    {{"name", name}, {"category", "Reports"}, {"price", price}});
    EXPECT_EQ(res.status, 201) << res.describe();
    return res.status == 201 ? std::string(res.object().at("id").as_string()) : "";
  }
  json::object order(std::string_view role, json::array items, std::string type) {
    auto res = call(role, "POST", "/api/v1/orders", {{"items", std::move(items)}, {"type", type}});
    EXPECT_EQ(res.status, 201) << res.describe();
    return res.status == 201 ? res.object() : json::object{};
  }
  void move(std::string_view role, const json::object& o, std::initializer_list<const char*> to) {
    for (auto s : to) {
      auto res = call(role, "PUT", "/api/v1/orders/" + id(o) + "/status", {{"status", s}});
      EXPECT_EQ(res.status, 200) << res.describe();
    }
  }
  // The payment state the payments feature would write (SQL fixture).
  void pay(const json::object& o, std::string_view status, std::string_view method,
           std::int64_t refunded_minor = 0) {
    auto pool = db::Pool::open(shared_->db->url(), db::PoolOptions{.size = 1});
    pool->transact([&](db::Transaction& tx) {
      tx.exec(
          "UPDATE orders SET payment_status = $2, payment_method = $3, refunded_amount = $4 "
          "WHERE id = $1",
          {std::string_view(id(o)), status, method, refunded_minor});
    });
  }
  static std::string id(const json::object& o) { return std::string(o.at("id").as_string()); }
  static double num(const json::value& v) { return v.to_number<double>(); }
  static std::string date_of(const json::object& o) {
    auto n = std::string(o.at("order_number").as_string());
    return n.substr(0, 4) + "-" + n.substr(4, 2) + "-" + n.substr(6, 2);
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> Reports::shared_;
std::unique_ptr<AuthHelper> Reports::auth_;

TEST_F(Reports, FiguresOfOrdersPlacedThroughTheApi) {
  const auto bun = product("Reports bun", 2.5);
  const auto cake = product("Reports cake", 20);
  auto line = [](const std::string& p, int q) {
    return json::object{{"product_id", p}, {"quantity", q}};
  };
  // Staff: a dine-in paid cash (2 × 2.50 + 20 = 25.00), a takeaway paid card and partly
  // refunded (4 × 2.50 = 10.00, 3.00 back), a takeaway paid then cancelled, an unpaid one.
  auto a = order("staff", {line(bun, 2), line(cake, 1)}, "dine-in");
  auto b = order("staff", {line(bun, 4)}, "takeaway");
  auto c = order("staff", {line(cake, 3)}, "takeaway");
  auto d = order("staff", {line(cake, 5)}, "takeaway");
  // A customer's online order (1 cake = 20.00), moved to ready by the manager.
  auto e = order("customer", {line(cake, 1)}, "online");
  ASSERT_FALSE(a.empty() || b.empty() || c.empty() || d.empty() || e.empty());
  move("staff", a, {"confirmed", "preparing", "ready", "completed"});
  move("staff", b, {"confirmed", "preparing"});
  move("manager", e, {"confirmed", "preparing", "ready"});
  move("staff", c, {"cancelled"});
  pay(a, "paid", "cash");
  pay(b, "partially_refunded", "card", 300);
  pay(c, "paid", "cash");
  pay(e, "paid", "stripe");

  const std::string today = date_of(a);
  // Today in New York, as the server sees it, is the date of every order just placed.
  EXPECT_EQ(date_of(e), today);
  auto daily = get("manager", "/api/v1/reports/sales/daily?date=" + today);
  ASSERT_EQ(daily.status, 200) << daily.describe();
  const auto& r = daily.object();
  EXPECT_EQ(r.at("date"), json::value(today));
  EXPECT_EQ(r.at("order_count").as_int64(), 3);
  EXPECT_EQ(num(r.at("total_sales")), 52.0);  // 25 + 7 + 20
  EXPECT_EQ(num(r.at("average_order_value")), 17.33);
  EXPECT_EQ(num(r.at("payment_methods").at("cash")), 25.0);
  EXPECT_EQ(num(r.at("payment_methods").at("card")), 7.0);
  EXPECT_EQ(num(r.at("payment_methods").at("mobile")), 0.0);
  EXPECT_EQ(num(r.at("payment_methods").at("stripe")), 20.0);
  EXPECT_EQ(num(r.at("by_type").at("dine-in")), 25.0);
  EXPECT_EQ(num(r.at("by_type").at("takeaway")), 7.0);
  EXPECT_EQ(num(r.at("by_type").at("online")), 20.0);
  EXPECT_EQ(r.at("currency"), "EUR");
  // Without ?date=, today.
  EXPECT_EQ(get("admin", "/api/v1/reports/sales/daily").object(), r);

  auto weekly = get("admin", "/api/v1/reports/sales/weekly?week_start=" + today);
  ASSERT_EQ(weekly.status, 200) << weekly.describe();
  EXPECT_EQ(weekly.object().at("week_start"), json::value(today));
  EXPECT_EQ(num(weekly.object().at("total_sales")), 52.0);
  EXPECT_EQ(weekly.object().at("days").as_array().size(), 7u);
  EXPECT_EQ(weekly.object().at("days").at(0).at("order_count").as_int64(), 3);
  EXPECT_EQ(num(weekly.object().at("payment_methods").at("cash")), 25.0);

  auto top = get("manager", "/api/v1/reports/products/top?from=" + today + "&to=" + today);
  ASSERT_EQ(top.status, 200) << top.describe();
  const auto& items = top.object().at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items.at(0).at("product_id"), json::value(bun));  // 6 buns
  EXPECT_EQ(items.at(0).at("quantity").as_int64(), 6);
  EXPECT_EQ(num(items.at(0).at("revenue")), 15.0);
  EXPECT_EQ(items.at(1).at("name"), "Reports cake");  // 2 cakes (a and e)
  EXPECT_EQ(items.at(1).at("quantity").as_int64(), 2);
  EXPECT_EQ(get("admin", "/api/v1/admin/top-products?from=" + today + "&to=" + today).object(),
            top.object());

  auto perf = get("admin", "/api/v1/reports/performance?from=" + today + "&to=" + today);
  ASSERT_EQ(perf.status, 200) << perf.describe();
  std::map<std::string, json::object> by_user;
  for (const auto& s : perf.object().at("staff").as_array())
    by_user[std::string(s.at("user_id").as_string())] = s.as_object();
  ASSERT_EQ(by_user.size(), 2u) << perf.describe();
  const auto& staff = by_user.at(auth_->account("staff").id);
  EXPECT_EQ(staff.at("orders_handled").as_int64(), 2);  // a and b, created by staff
  EXPECT_EQ(num(staff.at("total_sales")), 32.0);
  EXPECT_TRUE(staff.at("avg_prep_minutes").is_number());  // a went confirmed → ready
  const auto& manager = by_user.at(auth_->account("manager").id);
  EXPECT_EQ(manager.at("orders_handled").as_int64(), 1);  // e, moved to ready by the manager
  EXPECT_EQ(num(manager.at("total_sales")), 20.0);

  auto sales =
      get("admin", "/api/v1/admin/sales?from=" + today + "&to=" + today + "&granularity=month");
  ASSERT_EQ(sales.status, 200) << sales.describe();
  EXPECT_EQ(sales.object().at("buckets").as_array().size(), 1u);
  EXPECT_EQ(sales.object().at("buckets").at(0).at("period_start"),
            json::value(today.substr(0, 8) + "01"));
  EXPECT_EQ(num(sales.object().at("total_sales")), 52.0);
  EXPECT_EQ(sales.object().at("order_count").as_int64(), 3);

  auto customers = get("admin", "/api/v1/admin/customers?from=" + today + "&to=" + today);
  ASSERT_EQ(customers.status, 200) << customers.describe();
  EXPECT_EQ(customers.object().at("total_customers").as_int64(), 1);
  EXPECT_EQ(customers.object().at("new_customers").as_int64(), 1);
  EXPECT_EQ(customers.object().at("returning_customers").as_int64(), 0);
  EXPECT_EQ(customers.object().at("top_customers").at(0).at("customer_id"),
            json::value(auth_->account("customer").id));
  EXPECT_EQ(num(customers.object().at("top_customers").at(0).at("total_spent")), 20.0);

  // GET /admin/orders is GET /orders as staff see it.
  auto admin_orders = get("admin", "/api/v1/admin/orders?type=online&limit=200");
  ASSERT_EQ(admin_orders.status, 200) << admin_orders.describe();
  EXPECT_EQ(admin_orders.object(), get("admin", "/api/v1/orders?type=online&limit=200").object());
  bool seen = false;
  for (const auto& o : admin_orders.object().at("items").as_array())
    seen |= o.at("id") == e.at("id");
  EXPECT_TRUE(seen);

  // CSV.
  auto csv = get("manager", "/api/v1/reports/sales/daily?format=csv&date=" + today);
  ASSERT_EQ(csv.status, 200) << csv.describe();
  EXPECT_EQ(csv.header("Content-Type").rfind("text/csv", 0), 0u) << csv.describe();
  EXPECT_NE(csv.header("Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(csv.body.rfind("date,breakdown,key,order_count,total_sales\r\n", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find(today + ",total,,3,52.00\r\n"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(today + ",payment_method,card,1,7.00\r\n"), std::string::npos);
  EXPECT_NE(csv.body.find(today + ",type,online,1,20.00\r\n"), std::string::npos);
  auto top_csv = get("admin", "/api/v1/admin/top-products?format=csv&from=" + today);
  ASSERT_EQ(top_csv.status, 200);
  EXPECT_NE(top_csv.body.find(bun + ",Reports bun,6,15.00\r\n"), std::string::npos) << top_csv.body;
  for (std::string path : {"/api/v1/reports/sales/weekly", "/api/v1/reports/performance",
                           "/api/v1/admin/sales", "/api/v1/admin/customers"}) {
    auto res = get("admin", path + "?format=csv");
    EXPECT_EQ(res.status, 200) << path << res.describe();
    EXPECT_EQ(res.header("Content-Type").rfind("text/csv", 0), 0u) << path;
    EXPECT_NE(res.body.find("\r\n"), std::string::npos) << path;
  }
  auto perf_csv = get("admin", "/api/v1/reports/performance?format=csv&from=" + today);
  EXPECT_NE(perf_csv.body.find(auth_->account("manager").id + ","), std::string::npos);
  // Numbers as the JSON writes them: the staff member's orders went from confirmed to ready
  // within the same second (avg_prep_minutes 0 in the JSON), never Boost's "0E0".
  EXPECT_EQ(perf_csv.body.find("E0"), std::string::npos) << perf_csv.body;
  for (const auto& s : perf.object().at("staff").as_array()) {
    const auto& avg = s.at("avg_prep_minutes");
    if (!avg.is_number()) continue;
    std::ostringstream text;
    text << avg.to_number<double>();
    EXPECT_NE(perf_csv.body.find(std::string(s.at("user_id").as_string())), std::string::npos);
    EXPECT_NE(perf_csv.body.find("," + text.str() + "\r\n"), std::string::npos)
        << "avg_prep_minutes " << text.str() << " not written as the JSON writes it:\n"
        << perf_csv.body;
  }

  // GET /admin/orders answers CSV too (SPEC §12: every report), one row per order.
  auto orders_csv = get("admin", "/api/v1/admin/orders?format=csv&type=online");
  ASSERT_EQ(orders_csv.status, 200) << orders_csv.describe();
  EXPECT_EQ(orders_csv.header("Content-Type").rfind("text/csv", 0), 0u) << orders_csv.describe();
  EXPECT_NE(orders_csv.header("Content-Disposition").find("orders.csv"), std::string::npos);
  EXPECT_EQ(orders_csv.body.rfind("id,order_number,created_at,type,status,payment_status,", 0), 0u)
      << orders_csv.body;
  EXPECT_NE(orders_csv.body.find(std::string(e.at("id").as_string()) + "," +
                                 std::string(e.at("order_number").as_string()) + ","),
            std::string::npos)
      << orders_csv.body;
  EXPECT_NE(orders_csv.body.find("1 x Reports cake"), std::string::npos) << orders_csv.body;
  EXPECT_NE(orders_csv.body.find(",20.00,0.00,EUR,"), std::string::npos) << orders_csv.body;
  // Paged like the audit log's CSV: the next page's cursor in X-Next-Cursor.
  auto first_page = get("admin", "/api/v1/admin/orders?format=csv&limit=1");
  ASSERT_EQ(first_page.status, 200) << first_page.describe();
  const std::string cursor = first_page.header("X-Next-Cursor");
  ASSERT_FALSE(cursor.empty());
  auto second_page = get("admin", "/api/v1/admin/orders?format=csv&limit=1&cursor=" + cursor);
  ASSERT_EQ(second_page.status, 200) << second_page.describe();
  EXPECT_NE(second_page.body, first_page.body);
  EXPECT_ERROR(get("admin", "/api/v1/admin/orders?format=xml"), 400, "bad_request");
  auto sales_csv = get("admin", "/api/v1/admin/sales?format=csv&from=" + today);
  EXPECT_NE(sales_csv.body.find(today + ",3,52.00\r\n"), std::string::npos) << sales_csv.body;
}

TEST_F(Reports, OnlyManagersAndAdminsReadReportsAndOnlyAdminsTheAdminOnes) {
  const char* manager_plus[] = {"/api/v1/reports/sales/daily", "/api/v1/reports/sales/weekly",
                                "/api/v1/reports/products/top", "/api/v1/reports/performance"};
  const char* admin_only[] = {"/api/v1/admin/sales", "/api/v1/admin/top-products",
                              "/api/v1/admin/customers", "/api/v1/admin/orders"};
  for (auto p : manager_plus) {
    EXPECT_ERROR(client_->get(p), 401, "unauthorized");
    for (auto role : {"customer", "driver", "staff"}) EXPECT_ERROR(get(role, p), 403, "forbidden");
    EXPECT_EQ(get("manager", p).status, 200) << p;
    EXPECT_EQ(get("admin", p).status, 200) << p;
  }
  for (auto p : admin_only) {
    EXPECT_ERROR(client_->get(p), 401, "unauthorized");
    for (auto role : {"customer", "driver", "staff", "manager"})
      EXPECT_ERROR(get(role, p), 403, "forbidden");
    EXPECT_EQ(get("admin", p).status, 200) << p;
  }
}

TEST_F(Reports, BadQueryParametersAre400NamingEachOne) {
  auto fields = [](const HttpResponse& r) {
    std::set<std::string> f;
    if (r.json)
      for (const auto& d : r.object().at("error").at("details").as_array())
        f.insert(std::string(d.at("field").as_string()));
    return f;
  };
  struct Case {
    std::string path;
    std::set<std::string> fields;
  };
  const Case cases[] = {
      {"/api/v1/reports/sales/daily?date=2026-02-30", {"date"}},
      {"/api/v1/reports/sales/daily?date=yesterday&format=xml", {"date", "format"}},
      {"/api/v1/reports/sales/daily?date=2026-1-05", {"date"}},
      {"/api/v1/reports/sales/weekly?week_start=2026-13-01", {"week_start"}},
      {"/api/v1/reports/products/top?from=2026-11-10&to=2026-11-01", {"to"}},
      {"/api/v1/reports/products/top?limit=0", {"limit"}},
      {"/api/v1/reports/products/top?limit=101&from=x", {"limit", "from"}},
      {"/api/v1/reports/performance?from=2000-01-01&to=2026-01-01", {"to"}},
      {"/api/v1/admin/sales?granularity=year", {"granularity"}},
      {"/api/v1/admin/customers?to=2026-11-31", {"to"}},
  };
  for (const auto& c : cases) {
    auto res = get("admin", c.path);
    EXPECT_ERROR(res, 400, "bad_request");
    EXPECT_EQ(fields(res), c.fields) << c.path << " " << res.describe();
  }
}

// The daily_summary job is wired into `crema serve`: on start it queues the last closed
// business day's summary to each admin, and a second start (another instance, a restart)
// queues nothing more for that day.
TEST(ReportsDailySummary, ServeQueuesTheClosedDaysSummaryOnceForEachAdmin) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  const EnvOverrides env{{"CREMA_DATABASE_URL", db->url()}};
  auto migrate = run_crema({"migrate"}, env);
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  const std::string email = "summary-admin@example.com";
  auto made = run_crema({"create-admin", "--email", email, "--password-stdin"}, env,
                        std::string(kTestPassword) + "\n");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  // The last closed UTC business day (a day closes five minutes after its end).
  auto closed = [] {
    return domain::iso_day(static_cast<int>((util::now_ms() - 5 * 60'000) / 86'400'000) - 1);
  };
  const std::string before = closed();
  auto summaries = [&](ServerProcess& server) {
    AuthHelper auth(server);
    auto admin = auth.login(email, kTestPassword);
    auto client = client_for(server);
    std::vector<json::object> found;
    for (int i = 0; i < 100; ++i) {
      found.clear();
      auto res = client->get("/api/v1/notifications?limit=200", admin.bearer());
      EXPECT_EQ(res.status, 200) << res.describe();
      if (res.status != 200) break;
      for (const auto& n : res.object().at("items").as_array())
        if (n.at("type") == "daily_summary") found.push_back(n.as_object());
      if (!found.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return found;
  };
  auto options = identity_server();
  options.database_url = db->url();
  {
    ServerProcess server(options);
    auto found = summaries(server);
    ASSERT_EQ(found.size(), 1u);
    const auto& n = found[0];
    EXPECT_EQ(n.at("recipient"), json::value(email));
    const auto& payload = n.at("payload").as_object();
    const std::string date(payload.at("date").as_string());
    EXPECT_TRUE(date == before || date == closed()) << date;
    EXPECT_EQ(payload.at("orders").as_int64(), 0);
    EXPECT_EQ(payload.at("revenue"), "0.00");
    EXPECT_EQ(server.stop(), 0);
  }
  {
    ServerProcess again(options);
    // The scheduler runs the job right after the start; give it time to have run.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto found = summaries(again);
    EXPECT_EQ(found.size(), 1u);
  }
}

}  // namespace
}  // namespace crema::test::e2e

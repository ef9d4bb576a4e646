// Black-box tests of the CSV exports (SPEC §15.5) through the real binary, on both stores:
// GET /orders, /inventory, /inventory/{id}/logs, /users and /admin/audit-log with
// ?format=csv, streamed (Transfer-Encoding: chunked) page by page; rows match the JSON list
// and its filters; who may export; a client that leaves mid-stream does not hang the server.

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "db/pool.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/raw_connection.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

// The CSV's lines (CRLF-ended; none of the tests' fields hold a line break).
std::vector<std::string> csv_lines(const std::string& body) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < body.size()) {
    auto end = body.find("\r\n", at);
    if (end == std::string::npos) end = body.size();
    out.push_back(body.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

std::string first_field(const std::string& line) { return line.substr(0, line.find(',')); }

class Exports : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(
        identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}, {"CREMA_USER_RATE_PER_MIN", "0"}}));
  }
  static void TearDownTestSuite() {
    auth_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    if (!auth_) auth_ = std::make_unique<AuthHelper>(*shared_->server);
    client_ = client_for(*shared_->server);
    client_->set_timeout(std::chrono::seconds(60));
  }
  HttpResponse call(std::string_view role, std::string_view method, const std::string& path,
                    const json::object& body = {}) {
    const bool has_body = method == "POST" || method == "PUT" || method == "PATCH";
    return client_->request(method, path, has_body ? json::serialize(body) : std::string(),
                            auth_->bearer(role));
  }
  HttpResponse get(std::string_view role, const std::string& path) {
    return call(role, "GET", path);
  }
  // A streamed CSV answer: 200, text/csv, chunked, the file name, the header row.
  std::vector<std::string> csv(std::string_view role, const std::string& path,
                               const std::string& filename, const std::string& header_start) {
    auto res = get(role, path);
    EXPECT_EQ(res.status, 200) << path << " " << res.describe();
    EXPECT_EQ(res.header("Content-Type").rfind("text/csv", 0), 0U) << res.describe();
    EXPECT_EQ(res.header("Transfer-Encoding"), "chunked") << res.describe();
    EXPECT_TRUE(res.header("Content-Length").empty());
    EXPECT_NE(res.header("Content-Disposition").find("filename=\"" + filename + "\""),
              std::string::npos)
        << res.describe();
    auto lines = csv_lines(res.body);
    EXPECT_FALSE(lines.empty());
    if (!lines.empty()) {
      EXPECT_EQ(lines.front().rfind(header_start, 0), 0U) << lines.front();
    }
    return lines;
  }
  // The ids of a JSON list, every page.
  std::vector<std::string> json_ids(std::string_view role, const std::string& path) {
    std::vector<std::string> ids;
    std::string cursor;
    for (;;) {
      const char sep = path.find('?') == std::string::npos ? '?' : '&';
      auto res = get(role, path + sep + "limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(res.status, 200) << res.describe();
      if (res.status != 200) return ids;
      for (const auto& it : res.object().at("items").as_array())
        ids.emplace_back(it.at("id").as_string());
      const auto& next = res.object().at("next_cursor");
      if (next.is_null()) return ids;
      cursor = std::string(next.as_string());
    }
  }
  static std::vector<std::string> csv_ids(const std::vector<std::string>& lines) {
    std::vector<std::string> ids;
    for (std::size_t i = 1; i < lines.size(); ++i) ids.push_back(first_field(lines[i]));
    return ids;
  }
  // Audit rows written with SQL, in batches (an export longer than the socket's buffers).
  void seed_audit(int n, const std::string& action) {
    auto pool = db::Pool::open(shared_->db->url(), db::PoolOptions{.size = 1});
    const auto now = util::now_ms();
    const std::string filler(120, 'x');
    pool->transact([&](db::Transaction& tx) {
      for (int i = 0; i < n;) {
        std::string sql =
            "INSERT INTO audit_log (id, actor_id, actor_role, action, target_type, target_id, "
            "summary, ip, request_id, at) VALUES ";
        for (int k = 0; k < 500 && i < n; ++k, ++i) {
          if (k) sql += ",";
          sql += "('" + action + "-" + std::to_string(i) + "', NULL, 'system', '" + action +
                 "', 'test', NULL, '" + filler + "', NULL, NULL, " +
                 std::to_string(now - 100000 - i) + ")";
        }
        tx.exec(sql);
      }
    });
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> Exports::shared_;
std::unique_ptr<AuthHelper> Exports::auth_;

TEST_F(Exports, OrdersCsvHasTheRowsOfTheJsonListAndItsFilters) {
  auto product = call("manager", "POST", "/api/v1/products",
                      {{"name", "Export scone"}, {"category", "Exports"}, {"price", 3.5}});
  ASSERT_EQ(product.status, 201) << product.describe();
  const std::string pid(product.object().at("id").as_string());
  std::vector<std::string> placed;
  for (int i = 0; i < 3; ++i) {
    auto o = call("staff", "POST", "/api/v1/orders",
                  {{"type", "takeaway"},
                   {"items", json::array{json::object{{"product_id", pid}, {"quantity", i + 1}}}}});
    ASSERT_EQ(o.status, 201) << o.describe();
    placed.emplace_back(o.object().at("id").as_string());
  }
  // A signed-in customer's own order carries no customer_info: the export takes the
  // account's name and email.
  auto own = call("customer", "POST", "/api/v1/orders",
                  {{"type", "online"},
                   {"items", json::array{json::object{{"product_id", pid}, {"quantity", 1}}}}});
  ASSERT_EQ(own.status, 201) << own.describe();
  const std::string own_id(own.object().at("id").as_string());
  ASSERT_EQ(
      call("staff", "PUT", "/api/v1/orders/" + placed[0] + "/status", {{"status", "cancelled"}})
          .status,
      200);

  auto lines = csv("staff", "/api/v1/orders?format=csv", "orders.csv",
                   "id,order_number,created_at,type,status,payment_status,");
  EXPECT_NE(lines.front().find(",customer_email,customer_phone,scheduled_for,"), std::string::npos)
      << lines.front();
  EXPECT_EQ(csv_ids(lines), json_ids("staff", "/api/v1/orders"));
  EXPECT_NE(std::find_if(lines.begin(), lines.end(),
                         [&](const std::string& l) {
                           return l.rfind(placed[2] + ",", 0) == 0 &&
                                  l.find(",3 x Export scone,10.50,") != std::string::npos;
                         }),
            lines.end());
  const auto& customer = auth_->account("customer");
  auto own_row = std::find_if(lines.begin(), lines.end(),
                              [&](const std::string& l) { return l.rfind(own_id + ",", 0) == 0; });
  ASSERT_NE(own_row, lines.end());
  EXPECT_NE(own_row->find("," + customer.email + ","), std::string::npos) << *own_row;
  // The JSON list's filters apply.
  auto cancelled = csv("staff", "/api/v1/orders?format=csv&status=cancelled", "orders.csv", "id,");
  EXPECT_EQ(csv_ids(cancelled), json_ids("staff", "/api/v1/orders?status=cancelled"));
  ASSERT_GE(cancelled.size(), 2U);
  for (std::size_t i = 1; i < cancelled.size(); ++i)
    EXPECT_NE(cancelled[i].find(",cancelled,"), std::string::npos) << cancelled[i];
  const auto today = util::format_rfc3339(util::now_ms()).substr(0, 10);
  auto none = csv("staff", "/api/v1/orders?format=csv&to=2001-01-01", "orders.csv", "id,");
  EXPECT_EQ(none.size(), 1U);  // the header only
  // GET /admin/orders streams the same rows.
  auto admin = csv("admin", "/api/v1/admin/orders?format=csv&from=" + today, "orders.csv", "id,");
  EXPECT_EQ(csv_ids(admin), json_ids("admin", "/api/v1/admin/orders?from=" + today));

  // Staff+ only: a customer's or driver's own orders are JSON only.
  EXPECT_ERROR(get("customer", "/api/v1/orders?format=csv"), 403, "forbidden");
  EXPECT_ERROR(get("driver", "/api/v1/orders?format=csv"), 403, "forbidden");
  EXPECT_ERROR(get("staff", "/api/v1/orders?format=xls"), 400, "bad_request");
}

TEST_F(Exports, InventoryAndItsLogs) {
  const std::string name = "Export flour " + unique_id("f");
  auto item = call("manager", "POST", "/api/v1/inventory",
                   {{"name", name}, {"unit", "kg"}, {"kind", "ingredient"}, {"on_hand", 10}});
  ASSERT_EQ(item.status, 201) << item.describe();
  const std::string id(item.object().at("id").as_string());
  auto patched = call("manager", "PUT", "/api/v1/inventory/" + id,
                      {{"on_hand", 7.5}, {"version", item.object().at("version")}});
  ASSERT_EQ(patched.status, 200) << patched.describe();

  auto all = csv("staff", "/api/v1/inventory?format=csv", "inventory.csv",
                 "id,name,unit,kind,on_hand,reserved,available,low_stock_threshold,is_low,");
  EXPECT_EQ(csv_ids(all), json_ids("staff", "/api/v1/inventory"));
  auto one =
      csv("staff", "/api/v1/inventory?format=csv&q=" + name.substr(13), "inventory.csv", "id,");
  ASSERT_EQ(one.size(), 2U);
  EXPECT_EQ(one[1].rfind(id + "," + name + ",kg,ingredient,7.5,0,7.5,", 0), 0U) << one[1];

  auto logs = csv("manager", "/api/v1/inventory/" + id + "/logs?format=csv",
                  "inventory-" + id + "-logs.csv",
                  "id,inventory_item_id,delta,kind,reason,order_id,actor_id,on_hand_after,");
  EXPECT_EQ(csv_ids(logs), json_ids("manager", "/api/v1/inventory/" + id + "/logs"));
  ASSERT_GE(logs.size(), 2U);
  // A negative number is a formula lead to a spreadsheet: neutralised like any other.
  EXPECT_NE(logs[1].find("," + id + ",'-2.5,adjust,"), std::string::npos) << logs[1];
  EXPECT_ERROR(get("manager",
                   "/api/v1/inventory/00000000-0000-4000-8000-000000000000/logs"
                   "?format=csv"),
               404, "not_found");
  EXPECT_ERROR(get("staff", "/api/v1/inventory/" + id + "/logs?format=csv"), 403, "forbidden");
}

TEST_F(Exports, CustomersForAdminsOnly) {
  auth_->create("customer");
  auth_->create("customer");
  auto lines = csv("admin", "/api/v1/users?role=customer&format=csv", "users.csv",
                   "id,name,email,phone,role,");
  EXPECT_EQ(csv_ids(lines), json_ids("admin", "/api/v1/users?role=customer"));
  ASSERT_GE(lines.size(), 3U);
  for (std::size_t i = 1; i < lines.size(); ++i)
    EXPECT_NE(lines[i].find(",customer,"), std::string::npos) << lines[i];
  EXPECT_ERROR(get("staff", "/api/v1/users?role=customer&format=csv"), 403, "forbidden");
  EXPECT_ERROR(get("manager", "/api/v1/users?role=customer&format=csv"), 403, "forbidden");
  EXPECT_EQ(get("manager", "/api/v1/users?role=customer").status, 200);  // JSON stays theirs
}

TEST_F(Exports, AuditLogStreamsPastItsOldCapAndSurvivesClientsThatLeave) {
  const std::string action = "export.test" + unique_id("a").substr(0, 6);
  constexpr int kRows = 12000;  // past the old 10,000-row cap, 12 pages, ~2.5 MB
  seed_audit(kRows, action);
  auto lines = csv("admin", "/api/v1/admin/audit-log?format=csv&action=" + action, "audit-log.csv",
                   "id,at,actor_id,actor_role,action,target_type,");
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kRows) + 1);
  std::set<std::string> ids;
  for (std::size_t i = 1; i < lines.size(); ++i) ids.insert(first_field(lines[i]));
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kRows));  // no page twice, none skipped
  EXPECT_EQ(first_field(lines[1]), action + "-0");         // newest first
  EXPECT_EQ(first_field(lines.back()), action + "-" + std::to_string(kRows - 1));
  // ?limit= still answers one page with the next cursor (the old paged CSV).
  auto page = get("admin", "/api/v1/admin/audit-log?format=csv&limit=5&action=" + action);
  ASSERT_EQ(page.status, 200) << page.describe();
  EXPECT_EQ(csv_lines(page.body).size(), 6U);
  EXPECT_FALSE(page.header("X-Next-Cursor").empty());
  EXPECT_FALSE(page.header("Content-Length").empty());

  // Clients that ask for the whole export, read nothing and hang up: the server stops the
  // stream and goes on serving.
  const std::string request =
      "GET /api/v1/admin/audit-log?format=csv HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer " +
      auth_->admin().token + "\r\n\r\n";
  for (int i = 0; i < 6; ++i) {
    RawConnection raw(shared_->server->host(), shared_->server->port());
    ASSERT_TRUE(raw.send(request));
    std::this_thread::sleep_for(std::chrono::milliseconds(i % 2 == 0 ? 300 : 20));
  }  // closed here, mid-stream
  auto health = client_->get("/health");
  EXPECT_EQ(health.status, 200) << health.describe();
  auto again =
      csv("admin", "/api/v1/admin/audit-log?format=csv&action=" + action, "audit-log.csv", "id,");
  EXPECT_EQ(again.size(), static_cast<std::size_t>(kRows) + 1);
  EXPECT_TRUE(shared_->server->running());
}

TEST_F(Exports, HeadAndHttp10) {
  RawConnection raw(shared_->server->host(), shared_->server->port());
  ASSERT_TRUE(raw.send("GET /api/v1/inventory?format=csv HTTP/1.0\r\nAuthorization: Bearer " +
                       auth_->account("staff").token + "\r\n\r\n"));
  auto res = raw.read_response(std::chrono::seconds(10));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->header("Transfer-Encoding").empty());  // HTTP/1.0: ended by closing
  EXPECT_EQ(res->body.rfind("id,name,unit,", 0), 0U) << res->body;
  EXPECT_TRUE(raw.wait_closed(std::chrono::seconds(5)));
  auto head = client_->head("/api/v1/inventory?format=csv", auth_->bearer("staff"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Type").rfind("text/csv", 0), 0U);
}

}  // namespace
}  // namespace crema::test::e2e

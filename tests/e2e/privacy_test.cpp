// The right to erasure through the real binary (SPEC §3), judged by the database itself:
// after DELETE /users/me, no table and no text column of either store holds the person's
// email or phone — not their orders (options, instructions, metadata, delivery keys a
// client added), not the outbox (their own notifications, a partner's webhook delivery of
// their order), not an answer kept for an idempotent replay, not the audit log.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "db/pool.hpp"
#include "e2e/identity_support.hpp"
#include "support/fake_endpoint.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

std::string lowered(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every (table, column) of text in the database: SQLite's own tables and the FTS shadow
// tables included, PostgreSQL's public schema.
std::vector<std::pair<std::string, std::string>> text_columns(db::Pool& pool) {
  std::vector<std::pair<std::string, std::string>> out;
  auto lease = pool.read();
  if (pool.dialect() == db::Dialect::sqlite) {
    auto tables = lease->exec("SELECT name FROM sqlite_master WHERE type = 'table'");
    for (const auto& t : tables) {
      const std::string table = t.text(0);
      // Virtual FTS tables are read through their shadow tables (also listed here).
      auto cols = lease->exec("SELECT name, type FROM pragma_table_info($1)", {table});
      for (const auto& c : cols) {
        const std::string type = lowered(c.text(1));
        if (type.empty() || type.find("text") != std::string::npos ||
            type.find("char") != std::string::npos || type.find("blob") != std::string::npos)
          out.emplace_back(table, c.text(0));
      }
    }
  } else {
    auto cols = lease->exec(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', "
        "'character', 'json', 'jsonb', 'bytea')");
    for (const auto& c : cols) out.emplace_back(c.text(0), c.text(1));
  }
  return out;
}

// "table.column" of every cell holding `needle` (case-insensitive).
std::vector<std::string> where_found(db::Pool& pool, const std::string& needle) {
  std::vector<std::string> hits;
  const auto columns = text_columns(pool);
  auto lease = pool.read();
  const bool sqlite = pool.dialect() == db::Dialect::sqlite;
  for (const auto& [table, column] : columns) {
    const std::string q = "\"" + table + "\".\"" + column + "\"";
    const std::string cell = "CAST(" + q + " AS TEXT)";
    try {
      auto r =
          lease->exec("SELECT COUNT(*) FROM \"" + table + "\" WHERE LOWER(" + cell + ") LIKE $1",
                      {std::string_view("%" + lowered(needle) + "%")});
      if (r.front().int64(0) > 0) hits.push_back(table + "." + column);
    } catch (const std::exception& e) {
      // A virtual table that cannot be scanned this way is read through its shadow tables.
      if (!sqlite) hits.push_back(table + "." + column + " (unreadable: " + e.what() + ")");
    }
  }
  return hits;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

TEST(Privacy, ErasureLeavesTheEmailAndPhoneNowhereInTheDatabase) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  FakeHttpEndpoint partner;
  auto o = identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"},
                            {"CREMA_OUTBOX_POLL_MS", "50"},
                            {"CREMA_ALLOW_PRIVATE_WEBHOOKS", "1"}});
  o.database_url = db->url();
  ServerProcess server(o);
  auto c = client_for(server);
  AuthHelper auth(server);
  auto call = [&](const RequestHeaders& who, std::string_view method, const std::string& path,
                  const json::object& body = {}, RequestHeaders extra = {}) {
    RequestHeaders h = who;
    for (auto& x : extra) h.push_back(x);
    return c->request(method, path, body.empty() ? std::string() : json::serialize(body), h);
  };
  const auto admin = auth.admin().bearer();
  const auto staff = auth.bearer("staff");
  const auto manager = auth.bearer("manager");

  // A partner that receives every order (its deliveries carry the customer's details).
  ASSERT_EQ(call(admin, "POST", "/api/v1/webhooks",
                 {{"url", partner.url("/orders")}, {"events", json::array{"*"}}})
                .status,
            201);
  auto product = call(manager, "POST", "/api/v1/products",
                      {{"name", "Privacy cake"},
                       {"category", "Cakes"},
                       {"price", 30},
                       {"track_stock", true},
                       {"stock", 20}});
  ASSERT_EQ(product.status, 201) << product.describe();
  const std::string pid(product.object().at("id").as_string());

  // The person: registered by themself, so the audit log has their registration.
  const std::string tag = unique_id("erase");
  const std::string email = "Erase.Me." + tag + "@Example.com";
  std::string digits;
  for (char ch : tag)
    if (std::isdigit(static_cast<unsigned char>(ch))) digits += ch;
  const std::string phone = "+1555" + (digits + "0000000").substr(0, 7);
  auto reg = post_json(*c, "/api/v1/auth/register",
                       {{"name", "Erin Erasable"},
                        {"email", email},
                        {"phone", phone},
                        {"password", std::string(kTestPassword)}});
  ASSERT_EQ(reg.status, 201) << reg.describe();
  const std::string uid(reg.object().at("user").at("id").as_string());
  const auto me = AuthHelper::bearer_of(std::string(reg.object().at("token").as_string()));
  ASSERT_EQ(call(me, "PUT", "/api/v1/users/" + uid,
                 {{"metadata", {{"backup_contact", email}}},
                  {"addresses", json::array{{{"label", "home"},
                                             {"line1", "1 Quiet St"},
                                             {"city", "Lyon"},
                                             {"notes", "call " + phone}}}}})
                .status,
            200);

  // An order that spreads their details everywhere a client can put them, replayable.
  json::object item{{"product_id", pid},
                    {"quantity", 1},
                    {"options", {{"inscription", "for " + email}}},
                    {"special_instructions", "text " + phone + " when ready"}};
  json::object order{
      {"type", "online"},
      {"items", json::array{item}},
      {"is_pickup", false},
      {"customer_info", {{"name", "Erin"}, {"email", email}, {"phone", phone}}},
      {"delivery_info",
       {{"address", "1 Quiet St"}, {"phone", phone}, {"gate_code_contact", "ask " + email}}},
      {"notes", "my number is " + phone},
      {"metadata", {{"crm_contact", email}}}};
  auto placed = call(me, "POST", "/api/v1/orders", order, {{"Idempotency-Key", "erase-" + tag}});
  ASSERT_EQ(placed.status, 201) << placed.describe();
  const std::string order_id(placed.object().at("id").as_string());
  ASSERT_EQ(call(staff, "POST", "/api/v1/payments/checkout",
                 {{"order_id", order_id}, {"payment_method", "cash"}})
                .status,
            200);
  ASSERT_EQ(
      call(me, "POST", "/api/v1/cart",
           {{"items",
             json::array{{{"product_id", pid}, {"quantity", 1}, {"options", {{"note", phone}}}}}}})
          .status,
      200);
  auto event =
      call(me, "POST", "/api/v1/events",
           {{"event_type", "birthday"},
            {"date", util::format_rfc3339(util::now_ms() + 40LL * 86'400'000).substr(0, 10)},
            {"guests", 12},
            {"theme", "call " + phone},
            {"items", json::array{{{"product_id", pid}, {"qty", 1}}}},
            {"notes", "reach me at " + email}});
  ASSERT_EQ(event.status, 201) << event.describe();
  auto exported = call(me, "GET", "/api/v1/users/" + uid + "/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(lowered(exported.body).find(lowered(email)), std::string::npos);

  // The partner got the order (with the customer's details) and the outbox has worked.
  ASSERT_TRUE(partner.wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  db::PoolOptions po;
  po.size = 1;
  auto pool = db::Pool::open(db->url(), po);
  ASSERT_FALSE(where_found(*pool, email).empty()) << "the test put nothing to erase";
  ASSERT_FALSE(where_found(*pool, phone).empty());

  auto erased = call(me, "DELETE", "/api/v1/users/me");
  ASSERT_EQ(erased.status, 204) << erased.describe();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the outbox settles

  EXPECT_EQ(joined(where_found(*pool, email)), "") << "the email is still in these columns";
  EXPECT_EQ(joined(where_found(*pool, phone)), "") << "the phone is still in these columns";
  // The books keep the order.
  auto kept = call(manager, "GET", "/api/v1/orders/" + order_id);
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(kept.object().at("payment_status"), "paid");
  EXPECT_EQ(kept.object().at("customer_info").at("name"), "Erased user");
}

// The right to erasure is not one stolen token away: past 5 minutes after the sign-in,
// DELETE /users/me needs the current password (a wrong one counts toward the lockout).
TEST(Privacy, ErasingYourselfNeedsThePasswordOrAFreshSignIn) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto o = identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}});
  o.database_url = db->url();
  ServerProcess server(o);
  auto c = client_for(server);
  AuthHelper auth(server);
  auto me = auth.create("customer");
  db::PoolOptions po;
  po.size = 1;
  auto pool = db::Pool::open(db->url(), po);
  // The sign-in was ten minutes ago.
  pool->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE sessions SET created_at = created_at - 600000 WHERE user_id = $1",
            {std::string_view(me.id)});
  });
  auto bare = c->request("DELETE", "/api/v1/users/me", "", me.bearer());
  EXPECT_ERROR(bare, 422, "validation_failed");
  EXPECT_NE(bare.body.find("password"), std::string::npos) << bare.body;
  auto wrong =
      c->request("DELETE", "/api/v1/users/me", R"({"password": "not my password"})", me.bearer());
  EXPECT_ERROR(wrong, 422, "validation_failed");
  EXPECT_EQ(c->get("/api/v1/auth/me", me.bearer()).status, 200) << "the account is still there";
  auto right = c->request("DELETE", "/api/v1/users/me",
                          json::serialize(json::object{{"password", me.password}}), me.bearer());
  EXPECT_EQ(right.status, 204) << right.describe();
  EXPECT_EQ(c->get("/api/v1/auth/me", me.bearer()).status, 401);

  // A fresh sign-in stands in for the password.
  auto other = auth.create("customer");
  EXPECT_EQ(c->request("DELETE", "/api/v1/users/me", "", other.bearer()).status, 204);
}

}  // namespace
}  // namespace crema::test::e2e

// Black-box: every mutation an admin or a manager can make on the routes of SPEC §3, §4 and
// §5 leaves exactly the audit rows of its request (SPEC §12: who, what, which request),
// and the same changes made by staff or customers leave none.

#include <map>
#include <set>

#include "auth/totp.hpp"
#include "e2e/identity_support.hpp"
#include "support/test_images.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class AuditCoverage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(
        identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}, {"CREMA_USER_RATE_PER_MIN", "0"}}));
  }
  static void TearDownTestSuite() {
    helper_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(*shared_->server);
    if (!helper_) helper_ = std::make_unique<AuthHelper>(*shared_->server);
  }

  // Sends a request with its own X-Request-Id; expects a 2xx; returns the response and
  // remembers which actor and action the audit log must show for that request id.
  HttpResponse mutate(const Account& who, std::string_view method, const std::string& path,
                      const std::string& body, std::string action,
                      std::string content_type = "application/json") {
    const std::string rid = unique_id("t-auditcov");
    RequestHeaders h = who.bearer();
    h.emplace_back("X-Request-Id", rid);
    if (!body.empty()) h.emplace_back("Content-Type", content_type);
    auto res = client_->request(method, path, body, h);
    EXPECT_GE(res.status, 200) << method << " " << path << " " << res.describe();
    EXPECT_LT(res.status, 300) << method << " " << path << " " << res.describe();
    expected_[rid] = {who.id, std::move(action), std::string(method) + " " + path};
    return res;
  }

  // Every audit row, by request id.
  std::map<std::string, std::vector<json::object>> rows_by_request() {
    std::map<std::string, std::vector<json::object>> out;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      auto res = client_->get(
          "/api/v1/admin/audit-log?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor),
          helper_->admin().bearer());
      EXPECT_EQ(res.status, 200) << res.describe();
      if (res.status != 200) break;
      for (const auto& row : res.object().at("items").as_array())
        if (row.at("request_id").is_string())
          out[json_string(row, {"request_id"})].push_back(row.as_object());
      if (res.object().at("next_cursor").is_null()) break;
      cursor = json_string(res.object(), {"next_cursor"});
    }
    return out;
  }

  struct Expected {
    std::string actor_id, action, what;
  };
  std::map<std::string, Expected> expected_;
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> helper_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> AuditCoverage::shared_;
std::unique_ptr<AuthHelper> AuditCoverage::helper_;

std::string body(const json::object& o) { return json::serialize(o); }

TEST_F(AuditCoverage, EveryAdminAndManagerMutationIsRecordedWithItsRequest) {
  const Account& admin = helper_->admin();
  const Account& manager = helper_->account("manager");

  // Catalogue and inventory, by the manager (and deletion, the admin's).
  auto item =
      mutate(manager, "POST", "/api/v1/inventory",
             body({{"name", "Audit beans"}, {"unit", "kg"}, {"on_hand", 5}}), "inventory.create");
  const std::string item_id = json_string(item.object(), {"id"});
  mutate(manager, "PUT", "/api/v1/inventory/" + item_id, body({{"low_stock_threshold", 1}}),
         "inventory.update");
  mutate(manager, "POST", "/api/v1/inventory/adjustment",
         body({{"inventory_item_id", item_id}, {"delta", 2}, {"reason", "delivery"}}),
         "inventory.adjust");
  mutate(manager, "POST", "/api/v1/inventory/adjust",
         body({{"adjustments", json::array{{{"inventory_item_id", item_id}, {"delta", -1}}}}}),
         "inventory.adjust");
  auto product = mutate(manager, "POST", "/api/v1/menu/items",
                        body({{"name", "Audit espresso"}, {"category", "Coffee"}, {"price", 2.8}}),
                        "product.create");
  const std::string pid = json_string(product.object(), {"id"});
  mutate(manager, "PUT", "/api/v1/products/" + pid, body({{"price", 3}}), "product.update");
  mutate(manager, "PUT", "/api/v1/menu/items/" + pid + "/stock", body({{"in_stock", false}}),
         "product.stock");
  mutate(
      manager, "PUT", "/api/v1/products/" + pid + "/recipe",
      body({{"ingredients", json::array{{{"inventory_item_id", item_id}, {"quantity", 0.018}}}}}),
      "product.recipe");
  mutate(manager, "POST", "/api/v1/products/" + pid + "/images", make_image(40, 30, "png"),
         "product.image", "image/png");
  mutate(admin, "DELETE", "/api/v1/menu/items/" + pid, "", "product.delete");

  // Payments (SPEC §9): a manager's counter payment and refund.
  auto bun =
      mutate(manager, "POST", "/api/v1/products",
             body({{"name", "Audit bun"}, {"category", "Bakery"}, {"price", 2}}), "product.create");
  auto placed = client_->request(
      "POST", "/api/v1/orders",
      body({{"type", "takeaway"},
            {"items",
             json::array{{{"product_id", json_string(bun.object(), {"id"})}, {"quantity", 2}}}}}),
      manager.bearer());
  ASSERT_EQ(placed.status, 201) << placed.describe();
  auto paid =
      mutate(manager, "POST", "/api/v1/payments/checkout",
             body({{"order_id", json_string(placed.object(), {"id"})}, {"payment_method", "card"}}),
             "payment.checkout");
  mutate(manager, "POST",
         "/api/v1/payments/" + json_string(paid.object(), {"transaction_id"}) + "/refund",
         body({{"amount", 1}, {"reason", "audit"}}), "payment.refund");

  // Accounts and keys, by the admin.
  auto staff = mutate(admin, "POST", "/api/v1/auth/register",
                      body({{"name", "Audit Staff"},
                            {"email", "audit-staff@example.com"},
                            {"password", std::string(kTestPassword)},
                            {"role", "staff"}}),
                      "user.create");
  const std::string staff_id = json_string(staff.object(), {"user", "id"});
  mutate(admin, "PUT", "/api/v1/users/" + staff_id, body({{"name", "Audit Staffer"}}),
         "user.update");
  mutate(admin, "PUT", "/api/v1/users/" + staff_id, body({{"role", "driver"}}), "user.role_change");
  mutate(admin, "PUT", "/api/v1/users/" + staff_id, body({{"is_active", false}}),
         "user.deactivate");
  mutate(admin, "PUT", "/api/v1/users/" + staff_id, body({{"is_active", true}}), "user.activate");
  mutate(admin, "GET", "/api/v1/users/" + staff_id + "/export", "", "user.export");
  mutate(manager, "POST", "/api/v1/users/" + staff_id + "/password-reset", "",
         "user.password_reset_sent");
  mutate(admin, "DELETE", "/api/v1/users/" + staff_id, "", "user.erase");
  auto key =
      mutate(admin, "POST", "/api/v1/api-keys",
             body({{"name", "Audit key"}, {"scopes", json::array{"menu:read"}}}), "api_key.create");
  mutate(admin, "DELETE", "/api/v1/api-keys/" + json_string(key.object(), {"id"}), "",
         "api_key.revoke");

  // A manager's own account: profile, password, two-factor, sign-out, erasure.
  Account mona = helper_->create("manager");
  mutate(mona, "PUT", "/api/v1/users/me", body({{"phone", "+1 555 0100"}}), "user.update");
  mutate(mona, "POST", "/api/v1/auth/password",
         body({{"current_password", std::string(kTestPassword)},
               {"new_password", "another long password"}}),
         "user.password_change");
  auto setup = mutate(mona, "POST", "/api/v1/auth/2fa/setup", "", "user.2fa_setup");
  const std::string secret =
      auth::base32_decode(json_string(setup.object(), {"secret"})).value_or("");
  const auto now_s = util::now_ms() / 1000;
  mutate(mona, "POST", "/api/v1/auth/2fa/enable",
         body({{"otp", auth::totp_code(secret, now_s - 30)}}), "user.2fa_enable");
  mutate(mona, "POST", "/api/v1/auth/2fa/recovery-codes",
         body({{"otp", auth::totp_code(secret, now_s)}}), "user.2fa_recovery_codes");
  mutate(mona, "POST", "/api/v1/auth/2fa/disable",
         body({{"otp", auth::totp_code(secret, now_s + 30)}}), "user.2fa_disable");
  mutate(mona, "POST", "/api/v1/auth/logout", "{}", "user.logout");
  Account leaving = helper_->create("manager");
  mutate(leaving, "DELETE", "/api/v1/users/me", "", "user.erase");

  // Delivery, reviews and catering events (SPEC §8, §11), by the manager.
  {
    Account driver = helper_->create("driver");
    Account customer = helper_->create("customer");
    auto pie = post_json(*client_, "/api/v1/products",
                         {{"name", "Audit pie"}, {"category", "Pies"}, {"price", 5}, {"stock", 9}},
                         manager.bearer());
    ASSERT_EQ(pie.status, 201) << pie.describe();
    const std::string pie_id = json_string(pie.object(), {"id"});
    auto profile = mutate(manager, "POST", "/api/v1/drivers",
                          body({{"user_id", driver.id}, {"vehicle", "van"}}), "driver.create");
    const std::string driver_id = json_string(profile.object(), {"id"});
    mutate(manager, "PUT", "/api/v1/drivers/" + driver_id, body({{"vehicle", "bike"}}),
           "driver.update");
    auto order = post_json(*client_, "/api/v1/orders",
                           {{"items", json::array{{{"product_id", pie_id}, {"quantity", 1}}}},
                            {"is_pickup", false},
                            {"delivery_info", {{"address", "1 Audit Road"}}}},
                           customer.bearer());
    ASSERT_EQ(order.status, 201) << order.describe();
    const std::string order_id = json_string(order.object(), {"id"});
    mutate(manager, "POST", "/api/v1/orders/" + order_id + "/assign-delivery",
           body({{"driver_id", driver_id}}), "order.assign_delivery");
    auto deliveries = client_->get("/api/v1/deliveries?order_id=" + order_id, manager.bearer());
    ASSERT_EQ(deliveries.status, 200) << deliveries.describe();
    const std::string delivery_id =
        json_string(deliveries.object().at("items").as_array().at(0), {"id"});
    mutate(manager, "PUT", "/api/v1/deliveries/" + delivery_id + "/status",
           body({{"eta", "2030-01-01T10:00:00Z"}}), "delivery.update");
    auto review = post_json(*client_, "/api/v1/products/" + pie_id + "/reviews", {{"rating", 3}},
                            customer.bearer());
    ASSERT_EQ(review.status, 201) << review.describe();
    const std::string review_id = json_string(review.object(), {"id"});
    mutate(manager, "POST", "/api/v1/reviews/" + review_id + "/flag", body({{"reason", "check"}}),
           "review.flag");
    mutate(manager, "PUT", "/api/v1/reviews/" + review_id + "/status",
           body({{"status", "visible"}}), "review.status");
    auto event = post_json(*client_, "/api/v1/events",
                           {{"event_type", "party"},
                            {"date", "2999-01-01"},
                            {"guests", 5},
                            {"items", json::array{{{"product_id", pie_id}, {"qty", 1}}}}},
                           customer.bearer());
    ASSERT_EQ(event.status, 201) << event.describe();
    mutate(manager, "PUT", "/api/v1/events/" + json_string(event.object(), {"id"}) + "/status",
           body({{"status", "declined"}}), "event.status");
    // SPEC §15.5: a phone-in request and an edit of an open one.
    auto phone_in =
        mutate(manager, "POST", "/api/v1/events",
               body({{"event_type", "wake"},
                     {"date", "2999-01-02"},
                     {"guests", 9},
                     {"items", json::array{{{"product_id", pie_id}, {"qty", 1}}}},
                     {"customer_info", {{"name", "Audit Caller"}, {"phone", "+1555"}}}}),
               "event.create");
    mutate(manager, "PUT", "/api/v1/events/" + json_string(phone_in.object(), {"id"}),
           body({{"guests", 10}}), "event.update");
  }

  // The shop's settings (SPEC §15.3): the admin's changes, the manager's pause.
  mutate(admin, "PUT", "/api/v1/settings",
         body({{"name", "Audit café"},
               {"hours", json::array{{{"day", "mon"}, {"open", "07:00"}, {"close", "19:00"}}}}}),
         "settings.update");
  mutate(manager, "PUT", "/api/v1/settings/online-ordering",
         body({{"paused", true}, {"reason", "audit"}}), "settings.online_ordering");
  mutate(manager, "PUT", "/api/v1/settings/online-ordering", body({{"paused", false}}),
         "settings.online_ordering");
  mutate(admin, "PUT", "/api/v1/settings", body({{"hours", json::array{}}}), "settings.update");

  auto rows = rows_by_request();
  for (const auto& [rid, want] : expected_) {
    SCOPED_TRACE(want.what);
    auto it = rows.find(rid);
    if (it == rows.end()) {
      ADD_FAILURE() << "no audit row for " << want.what << " (" << want.action << ")";
      continue;
    }
    std::set<std::string> actions;
    for (const auto& row : it->second) {
      actions.insert(json_string(row, {"action"}));
      EXPECT_EQ(json_string(row, {"actor_id"}), want.actor_id);
      EXPECT_EQ(json_string(row, {"ip"}), "127.0.0.1");
      EXPECT_FALSE(json_string(row, {"summary"}).empty());
    }
    EXPECT_TRUE(actions.count(want.action)) << "actions: " << actions.size();
  }
}

TEST_F(AuditCoverage, StaffAndCustomerChangesAreNotAudited) {
  const Account& staff = helper_->account("staff");
  const Account& customer = helper_->account("customer");
  auto item = post_json(*client_, "/api/v1/inventory",
                        {{"name", "Unaudited milk"}, {"unit", "l"}, {"on_hand", 3}},
                        helper_->bearer("manager"));
  ASSERT_EQ(item.status, 201) << item.describe();
  auto product = post_json(*client_, "/api/v1/products",
                           {{"name", "Unaudited bun"}, {"category", "Pastries"}, {"price", 2}},
                           helper_->bearer("manager"));
  ASSERT_EQ(product.status, 201) << product.describe();
  expected_.clear();
  mutate(staff, "POST", "/api/v1/inventory/adjustment",
         body({{"inventory_item_id", json_string(item.object(), {"id"})}, {"delta", 1}}), "");
  mutate(staff, "PUT", "/api/v1/products/" + json_string(product.object(), {"id"}) + "/stock",
         body({{"in_stock", false}}), "");
  mutate(staff, "PUT", "/api/v1/users/me", body({{"name", "Sam Staff"}}), "");
  mutate(customer, "PUT", "/api/v1/users/me", body({{"marketing_opt_in", true}}), "");
  mutate(customer, "POST", "/api/v1/auth/2fa/setup", "", "");
  auto rows = rows_by_request();
  for (const auto& [rid, want] : expected_)
    EXPECT_FALSE(rows.count(rid)) << want.what << " was audited";
}

// GDPR right of access: the stock changes a staff member made are in their data export.
TEST_F(AuditCoverage, StockChangesAreInTheUsersDataExport) {
  Account sam = helper_->create("staff");
  auto item = post_json(*client_, "/api/v1/inventory",
                        {{"name", "Exported flour"}, {"unit", "kg"}, {"on_hand", 10}},
                        helper_->bearer("manager"));
  ASSERT_EQ(item.status, 201) << item.describe();
  const std::string item_id = json_string(item.object(), {"id"});
  ASSERT_EQ(post_json(*client_, "/api/v1/inventory/adjustment",
                      {{"inventory_item_id", item_id}, {"delta", -1.25}, {"reason", "spilt"}},
                      sam.bearer())
                .status,
            200);
  auto doc = client_->get("/api/v1/users/me/export", sam.bearer());
  ASSERT_EQ(doc.status, 200) << doc.describe();
  const auto& logs = doc.object().at("inventory_logs").as_array();
  ASSERT_EQ(logs.size(), 1u) << doc.body;
  EXPECT_EQ(json_string(logs[0], {"inventory_item_id"}), item_id);
  EXPECT_EQ(json_string(logs[0], {"reason"}), "spilt");
  EXPECT_DOUBLE_EQ(logs[0].at("delta").to_number<double>(), -1.25);
  // Someone who changed no stock has an empty section.
  auto other = client_->get("/api/v1/users/me/export", helper_->bearer("customer"));
  ASSERT_EQ(other.status, 200);
  EXPECT_TRUE(other.object().at("inventory_logs").as_array().empty());
}

}  // namespace
}  // namespace crema::test::e2e

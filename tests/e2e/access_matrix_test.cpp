// Black-box: every route of the tables of SPEC §3, §4, §5, §9 (and §12's audit log) exists, and
// each caller — nobody, each of the five roles, an API key holding every scope — gets the
// spec's answer on it: 401 without credentials on a protected route, 403 for a role the
// route is not for, and past the role check (whatever the handler then says, never 401,
// 403 or 5xx) for the roles it is for. Bodies are empty objects and ids unknown, so the
// allowed callers stop at validation (422) or 404 and nothing changes; only sign-out, which
// takes no input, runs for real, on throwaway accounts.
//
// "self" routes (GET/PUT /users/{id}, the export), where the answer depends on whose id it
// is, are covered role by role in users_test.cpp.

#include <set>
#include <string>
#include <vector>

#include "e2e/identity_support.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kRoles[] = {"customer", "driver", "staff", "manager", "admin"};

enum class Who { everyone, signed_in, roles };

struct Row {
  std::string method;
  std::string path;  // with {id} where the spec has one
  Who who;
  std::set<std::string> roles = {};  // Who::roles
  std::string scope = {};            // an API key scope that also opens it
  std::string body = "{}";           // "" for a raw image body
  /// Public routes whose input is itself a credential: without a valid one, 401 (refresh)
  /// or 403 (a media URL without its signature), whoever asks.
  int credential_refusal = 0;
};

const std::set<std::string> kStaffPlus = {"staff", "manager", "admin"};
const std::set<std::string> kManagerPlus = {"manager", "admin"};
const std::set<std::string> kAdmin = {"admin"};

// The spec's tables, row by row.
std::vector<Row> spec_rows() {
  return {
      // §8
      {"POST", "/api/v1/drivers", Who::roles, kManagerPlus},
      {"GET", "/api/v1/drivers", Who::roles, kManagerPlus},
      {"PUT", "/api/v1/drivers/{id}", Who::roles, kManagerPlus},
      // §15.5: a delivery platform's key (deliveries:write) for its external drivers
      {"GET", "/api/v1/deliveries", Who::roles, {"driver", "manager", "admin"}, "deliveries:write"},
      {"PUT",
       "/api/v1/deliveries/{id}/status",
       Who::roles,
       {"driver", "manager", "admin"},
       "deliveries:write"},
      {"POST", "/api/v1/orders/{id}/assign-delivery", Who::roles, kManagerPlus, "deliveries:write"},
      {"POST", "/api/v1/deliveries/{id}/location", Who::roles, {"driver"}},
      // §11
      {"POST", "/api/v1/products/{id}/reviews", Who::roles, {"customer"}},
      {"GET", "/api/v1/products/{id}/reviews", Who::everyone},
      {"POST", "/api/v1/reviews/{id}/flag", Who::signed_in},
      {"PUT", "/api/v1/reviews/{id}/status", Who::roles, kManagerPlus},
      {"GET", "/api/v1/reviews", Who::roles, kManagerPlus},
      // §15.5: authors edit and delete their reviews; order feedback
      {"PUT", "/api/v1/reviews/{id}", Who::signed_in},
      {"DELETE", "/api/v1/reviews/{id}", Who::signed_in},
      {"POST", "/api/v1/orders/{id}/feedback", Who::roles, {"customer"}},
      {"GET", "/api/v1/feedback", Who::roles, kManagerPlus},
      {"POST", "/api/v1/events", Who::roles, {"customer", "staff", "manager", "admin"}},
      {"GET", "/api/v1/events", Who::roles, {"customer", "manager", "admin"}},
      {"GET", "/api/v1/events/{id}", Who::roles, {"customer", "manager", "admin"}},
      {"PUT", "/api/v1/events/{id}/status", Who::roles, {"customer", "manager", "admin"}},
      {"PUT", "/api/v1/events/{id}", Who::roles, {"customer", "staff", "manager", "admin"}},
      // §3
      {"POST", "/api/v1/auth/register", Who::everyone},
      {"POST", "/api/v1/auth/login", Who::everyone},
      {"POST", "/api/v1/auth/refresh", Who::everyone, {}, "", "{}", 401},
      {"POST", "/api/v1/auth/logout", Who::signed_in},
      {"GET", "/api/v1/auth/me", Who::signed_in},
      {"POST", "/api/v1/auth/password", Who::signed_in},
      {"POST", "/api/v1/auth/2fa/setup", Who::signed_in},
      {"POST", "/api/v1/auth/2fa/enable", Who::signed_in},
      {"POST", "/api/v1/auth/2fa/disable", Who::signed_in},
      {"GET", "/api/v1/users", Who::roles, kManagerPlus},
      {"GET", "/api/v1/users/{id}", Who::signed_in},
      {"PUT", "/api/v1/users/{id}", Who::signed_in},
      {"DELETE", "/api/v1/users/{id}", Who::roles, kAdmin},
      {"GET", "/api/v1/users/{id}/export", Who::signed_in},
      // SPEC §15.1
      {"POST", "/api/v1/auth/password/forgot", Who::everyone},
      {"POST", "/api/v1/auth/password/reset", Who::everyone},
      {"POST", "/api/v1/users/{id}/password-reset", Who::roles, kManagerPlus},
      {"POST", "/api/v1/auth/verify-email", Who::everyone},
      {"POST", "/api/v1/auth/verify-email/resend", Who::signed_in},
      {"DELETE", "/api/v1/users/me", Who::signed_in},
      {"POST", "/api/v1/api-keys", Who::roles, kAdmin},
      {"GET", "/api/v1/api-keys", Who::roles, kAdmin},
      {"DELETE", "/api/v1/api-keys/{id}", Who::roles, kAdmin},
      // §12
      {"GET", "/api/v1/admin/audit-log", Who::roles, kAdmin},
      {"GET", "/api/v1/reports/sales/daily", Who::roles, kManagerPlus},
      {"GET", "/api/v1/reports/sales/weekly", Who::roles, kManagerPlus},
      {"GET", "/api/v1/reports/products/top", Who::roles, kManagerPlus},
      {"GET", "/api/v1/reports/performance", Who::roles, kManagerPlus},
      {"GET", "/api/v1/admin/sales", Who::roles, kAdmin},
      {"GET", "/api/v1/admin/top-products", Who::roles, kAdmin},
      {"GET", "/api/v1/admin/customers", Who::roles, kAdmin},
      {"GET", "/api/v1/admin/orders", Who::roles, kAdmin},
      // §4
      {"GET", "/api/v1/menu", Who::everyone},
      {"POST", "/api/v1/menu/items", Who::roles, kManagerPlus},
      {"PUT", "/api/v1/menu/items/{id}", Who::roles, kManagerPlus},
      {"DELETE", "/api/v1/menu/items/{id}", Who::roles, kAdmin},
      {"PUT", "/api/v1/menu/items/{id}/stock", Who::roles, kStaffPlus},
      {"PUT", "/api/v1/menu/items/{id}/recipe", Who::roles, kManagerPlus},
      {"GET", "/api/v1/products", Who::everyone},
      {"GET", "/api/v1/products/{id}", Who::everyone},
      {"POST", "/api/v1/products", Who::roles, kManagerPlus},
      {"PUT", "/api/v1/products/{id}", Who::roles, kManagerPlus},
      {"DELETE", "/api/v1/products/{id}", Who::roles, kAdmin},
      {"POST", "/api/v1/products/{id}/images", Who::roles, kManagerPlus, "", ""},
      {"GET", "/api/v1/media/{key}", Who::everyone, {}, "", "", 403},
      // §5
      {"GET", "/api/v1/inventory", Who::roles, kStaffPlus, "inventory:read"},
      {"POST", "/api/v1/inventory", Who::roles, kManagerPlus},
      {"PUT", "/api/v1/inventory/{id}", Who::roles, kManagerPlus},
      {"GET", "/api/v1/inventory/low-stock", Who::roles, kStaffPlus, "inventory:read"},
      {"GET", "/api/v1/inventory/low", Who::roles, kStaffPlus, "inventory:read"},
      {"POST", "/api/v1/inventory/adjustment", Who::roles, kStaffPlus},
      {"POST", "/api/v1/inventory/adjust", Who::roles, kManagerPlus},
      {"GET", "/api/v1/inventory/{id}/logs", Who::roles, kManagerPlus},
      // §9 (the webhook is the gateways': unsigned, it is 400 for everyone)
      {"POST",
       "/api/v1/payments/checkout",
       Who::roles,
       {"customer", "driver", "staff", "manager", "admin"}},
      {"POST", "/api/v1/payments/webhook", Who::everyone},
      {"POST", "/api/v1/payments/{transaction_id}/refund", Who::roles, kManagerPlus},
      {"GET", "/api/v1/payments", Who::roles, kStaffPlus},
      // §15.3
      {"GET", "/api/v1/settings", Who::everyone},
      {"PUT", "/api/v1/settings", Who::roles, kAdmin},
      {"PUT", "/api/v1/settings/online-ordering", Who::roles, kManagerPlus},
  };
}

// The twins the café and bakery route sets imply (one entity behind both), held to the
// same rules as their spec siblings.
std::vector<Row> twin_rows() {
  return {
      {"GET", "/api/v1/menu/items/{id}", Who::everyone},
      {"PUT", "/api/v1/products/{id}/stock", Who::roles, kStaffPlus},
      {"PUT", "/api/v1/products/{id}/recipe", Who::roles, kManagerPlus},
      {"POST", "/api/v1/menu/items/{id}/images", Who::roles, kManagerPlus, "", ""},
      {"GET", "/api/v1/inventory/{id}", Who::roles, kStaffPlus, "inventory:read"},
      {"GET", "/api/v1/drivers/{id}", Who::roles, kManagerPlus},
      {"GET",
       "/api/v1/deliveries/{id}",
       Who::roles,
       {"driver", "manager", "admin"},
       "deliveries:write"},
  };
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return s;
}

class AccessMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"},
                                                   {"CREMA_PUBLIC_RATE_PER_MIN", "0"},
                                                   {"CREMA_USER_RATE_PER_MIN", "0"}}));
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

  HttpResponse call(const Row& row, const std::string& path, RequestHeaders h) {
    const bool has_body = row.method == "POST" || row.method == "PUT";
    if (has_body && row.body.empty()) h.emplace_back("Content-Type", "image/png");
    return client_->request(row.method, path, has_body ? row.body : std::string(), h);
  }

  // Checks one row for every kind of caller.
  void check(const Row& row, const RequestHeaders& key) {
    const std::string what = row.method + " " + row.path;
    SCOPED_TRACE(what);
    std::string path = row.path;
    // An unknown resource: allowed callers get 404 (or 422 for the body), never a change.
    // GET /users/{id} and the export use the caller's own id (the "self" of the spec).
    const bool self_route = path.find("/users/{id}") != std::string::npos;
    auto fill = [&](const std::string& id) {
      std::string p = path;
      for (auto open = p.find('{'); open != std::string::npos; open = p.find('{'))
        p.replace(open, p.find('}', open) - open + 1, id);
      return p;
    };
    const std::string unknown = fill("01939a1b-0000-7000-8000-0000000000ff");

    if (row.credential_refusal) {
      const std::string code = row.credential_refusal == 401 ? "unauthorized" : "forbidden";
      EXPECT_ERROR(call(row, unknown, {}), row.credential_refusal, code);
      for (const std::string role : kRoles)
        EXPECT_ERROR(call(row, unknown, helper_->bearer(role)), row.credential_refusal, code);
      EXPECT_ERROR(call(row, unknown, key), row.credential_refusal, code);
      return;
    }

    // Nobody signed in.
    auto anon = call(row, unknown, {});
    if (row.who == Who::everyone) {
      EXPECT_NE(anon.status, 401) << anon.describe();
      EXPECT_NE(anon.status, 403) << anon.describe();
      EXPECT_LT(anon.status, 500) << anon.describe();
    } else {
      EXPECT_ERROR(anon, 401, "unauthorized");
    }

    // Each role.
    for (const std::string role : kRoles) {
      SCOPED_TRACE(role);
      const bool allowed = row.who != Who::roles || row.roles.count(role) > 0;
      // Signing out ends the session: a throwaway account of the role does it.
      Account throwaway;
      const Account* who = &helper_->account(role);
      if (row.path == "/api/v1/auth/logout" || row.path == "/api/v1/users/me") {
        throwaway = helper_->create(role);
        who = &throwaway;
      }
      const std::string target = self_route && row.method != "DELETE" ? fill(who->id) : unknown;
      auto res = call(row, target, who->bearer());
      if (allowed) {
        EXPECT_NE(res.status, 401) << res.describe();
        EXPECT_NE(res.status, 403) << res.describe();
        EXPECT_LT(res.status, 500) << res.describe();
      } else {
        EXPECT_ERROR(res, 403, "forbidden");
      }
    }

    // An API key with every scope: only the routes that name a scope take it; public
    // routes do not care.
    auto by_key = call(row, unknown, key);
    if (row.who == Who::everyone || !row.scope.empty()) {
      EXPECT_NE(by_key.status, 401) << by_key.describe();
      EXPECT_NE(by_key.status, 403) << by_key.describe();
      EXPECT_LT(by_key.status, 500) << by_key.describe();
    } else {
      EXPECT_ERROR(by_key, 403, "forbidden");
    }
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> helper_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> AccessMatrix::shared_;
std::unique_ptr<AuthHelper> AccessMatrix::helper_;

TEST_F(AccessMatrix, EverySpecRouteIsServedAndDocumented) {
  auto spec = client_->get("/openapi.json");
  ASSERT_EQ(spec.status, 200);
  const auto& paths = spec.object().at("paths").as_object();
  auto rows = spec_rows();
  for (auto& r : twin_rows()) rows.push_back(r);
  for (const auto& row : rows) {
    const auto* item = paths.if_contains(row.path);
    ASSERT_TRUE(item) << row.path << " is not in /openapi.json";
    const auto* op = item->as_object().if_contains(lower(row.method));
    ASSERT_TRUE(op) << row.method << " " << row.path << " is not in /openapi.json";
    // Public routes need no security; the others declare the bearer scheme, and the API
    // key scheme exactly when a scope opens them.
    const auto& security = op->as_object().at("security").as_array();
    if (row.who == Who::everyone) {
      EXPECT_TRUE(security.empty()) << row.method << " " << row.path;
    } else {
      // SPEC §15.1: the routes a guest's X-Order-Token opens say so with the orderToken
      // scheme, on top of the others.
      static const std::set<std::string> kOrderTokenRoutes = {"GET /api/v1/orders/{id}",
                                                              "DELETE /api/v1/orders/{id}",
                                                              "POST /api/v1/payments/checkout"};
      const bool order_token = kOrderTokenRoutes.contains(row.method + " " + row.path);
      std::size_t schemes = 0;
      bool declares_order_token = false;
      for (const auto& s : security) {
        if (s.as_object().contains("orderToken")) {
          declares_order_token = true;
        } else {
          ++schemes;
        }
      }
      EXPECT_EQ(schemes, row.scope.empty() ? 1u : 2u) << row.method << " " << row.path;
      EXPECT_EQ(declares_order_token, order_token) << row.method << " " << row.path;
    }
    // The unversioned alias answers the same route (not 404/405).
    std::string alias = "/api" + row.path.substr(std::string_view("/api/v1").size());
    for (auto open = alias.find('{'); open != std::string::npos; open = alias.find('{'))
      alias.replace(open, alias.find('}', open) - open + 1, "01939a1b-0000-7000-8000-0000000000ff");
    if (row.method == "GET") {
      auto res = client_->get(alias);
      EXPECT_NE(res.status, 405) << alias;
      if (row.path.find('{') == std::string::npos) {
        EXPECT_NE(res.status, 404) << alias;
      }
    }
  }
}

TEST_F(AccessMatrix, EachCallerGetsTheSpecsAnswerOnEveryRoute) {
  auto made = post_json(*client_, "/api/v1/api-keys",
                        {{"name", "All scopes"},
                         {"scopes", json::array{"menu:read", "orders:read", "orders:write",
                                                "inventory:read", "deliveries:write"}}},
                        helper_->admin().bearer());
  ASSERT_EQ(made.status, 201) << made.describe();
  const RequestHeaders key{{"X-API-Key", json_string(made.object(), {"key"})}};
  for (const auto& row : spec_rows()) check(row, key);
  for (const auto& row : twin_rows()) check(row, key);
}

}  // namespace
}  // namespace crema::test::e2e

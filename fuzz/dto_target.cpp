// The dto target (issue 10): every route that takes a JSON body, through its real handler,
// in-process, on an embedded SQLite store seeded with the demo café. See targets.hpp for
// the input format and docs/SECURITY.md for what it covers and what it leaves out.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "api/openapi.hpp"
#include "api/routes.hpp"
#include "app/catalogue_module.hpp"
#include "app/config.hpp"
#include "app/demo_seed.hpp"
#include "app/fulfil_module.hpp"
#include "app/identity_module.hpp"
#include "app/notify_module.hpp"
#include "app/orders_module.hpp"
#include "app/payments_module.hpp"
#include "app/realtime_module.hpp"
#include "app/reports_module.hpp"
#include "app/settings_module.hpp"
#include "db/pool.hpp"
#include "net/dispatcher.hpp"
#include "net/middleware.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "targets.hpp"

namespace crema::fuzz {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using auth::Role;

// The store is put back to its seeded state every this many inputs, so rows made by the
// inputs (orders, users, audit lines, outbox messages) never pile up: a fuzzing run stays
// at the speed of its first minute and an input sees at most this many predecessors.
constexpr int kResetEvery = 1000;

// Mutating methods: each route of one of them is either fuzzed (a JSON body) or listed in
// kNotFuzzed with the reason.
bool mutating(http::Method m) {
  return m == http::Method::post || m == http::Method::put || m == http::Method::patch ||
         m == http::Method::del;
}

struct Skipped {
  std::string_view method;
  std::string_view pattern;
  std::string_view reason;
};

// Mutating routes whose body is not JSON. A route added with a JSON body is fuzzed without
// any change here; one added without must be listed (tests/unit/fuzz_corpus_test.cpp).
constexpr Skipped kNotFuzzed[] = {
    {"DELETE", "/api/v1/products/{id}", "no body"},
    {"POST", "/api/v1/products/{id}/images", "an image upload (raw bytes, not JSON)"},
    {"DELETE", "/api/v1/menu/items/{id}", "no body"},
    {"POST", "/api/v1/menu/items/{id}/images", "an image upload (raw bytes, not JSON)"},
    {"POST", "/api/v1/auth/2fa/setup", "no body"},
    {"DELETE", "/api/v1/api-keys/{id}", "no body"},
    {"POST", "/api/v1/payments/webhook",
     "raw bytes checked against a gateway signature before any decoding (and PayPal's check "
     "is a network call)"},
    {"DELETE", "/api/v1/orders/{id}", "no body"},
    {"DELETE", "/api/v1/orders/{id}/assign-delivery", "no body"},
    {"DELETE", "/api/v1/reviews/{id}", "no body"},
    {"DELETE", "/api/v1/cart", "no body"},
    {"DELETE", "/api/v1/webhooks/{id}", "no body"},
    {"POST", "/api/v1/users/{id}/password-reset", "no body"},
    {"POST", "/api/v1/auth/verify-email/resend", "no body"},
};

// Which table a path parameter's id comes from, by the path's first segment.
const std::map<std::string, std::string, std::less<>>& id_tables() {
  static const std::map<std::string, std::string, std::less<>> tables = {
      {"products", "products"},
      {"menu", "products"},
      {"inventory", "inventory_items"},
      {"users", "users"},
      {"orders", "orders"},
      {"reviews", "reviews"},
      {"drivers", "drivers"},
      {"deliveries", "deliveries"},
      {"events", "event_requests"},
      {"payments", "payment_transactions"},
      {"api-keys", "api_keys"},
      {"webhooks", "webhooks"},
  };
  return tables;
}

std::string first_segment(std::string_view pattern) {
  constexpr std::string_view kPrefix = "/api/v1/";
  if (!pattern.starts_with(kPrefix)) return {};
  pattern.remove_prefix(kPrefix.size());
  return std::string(pattern.substr(0, pattern.find('/')));
}

// Path parameters that are not an id from the store: malformed, unknown, odd case, long.
std::vector<std::string> garbage_ids(const std::vector<std::string>& real) {
  std::vector<std::string> out = {"not-a-uuid", "00000000-0000-7000-8000-000000000000",
                                  "0",          std::string(300, 'a'),
                                  "%00",        "-1"};
  if (!real.empty()) {
    std::string upper = real.front();
    for (auto& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    out.push_back(upper);
    out.push_back(real.front() + "0");
  }
  return out;
}

app::Config fuzz_config(const fs::path& dir, const fs::path& db) {
  app::Config c;
  c.database_url = "sqlite://" + db.string();
  c.data_dir = dir.string();
  c.media_dir = (dir / "media").string();
  c.jwt_secret = "fuzz-dto-jwt-secret-0123456789abcdef0123456789";
  c.data_key_hex = std::string(64, '7');
  c.log_level = app::LogLevel::error;
  c.db_pool_size = 2;
  // No limit: the fuzzer is one very busy caller.
  c.auth_rate_per_min = c.public_rate_per_min = c.user_rate_per_min = 0;
  // The online gateways have no key, and no address either: a refund of a Stripe or PayPal
  // payment (the demo has some) fails at once instead of reaching out.
  c.stripe_api_base.clear();
  c.paypal_api_base.clear();
  // No provider is configured (no SMTP, SMS, S3, Stripe, PayPal, local gateway, Redis):
  // nothing an input does leaves the process. Notifications and webhook deliveries stay in
  // the outbox, whose workers are never started.
  return c;
}

// The application as `crema serve` wires it (src/app/server_app.cpp), minus the listener,
// the worker threads of the outbox and the scheduler: the same modules, the same route
// table, the same dispatcher checks. Members in server_app's order, destroyed in reverse.
struct App {
  app::Config config;
  std::unique_ptr<db::Pool> pool;
  obs::Metrics metrics;
  http::Router router;
  api::OpenApi openapi;
  std::unique_ptr<app::RealtimeModule> realtime;
  std::unique_ptr<app::IdentityModule> identity;
  std::unique_ptr<app::CatalogueModule> catalogue;
  std::unique_ptr<app::OrdersModule> orders;
  std::unique_ptr<app::FulfilModule> fulfil;
  std::unique_ptr<app::PaymentsModule> payments;
  std::unique_ptr<app::ReportsModule> reports;
  std::unique_ptr<app::NotifyModule> notify;
  std::unique_ptr<app::SettingsModule> settings;
  std::unique_ptr<http::Dispatcher> dispatcher;

  explicit App(app::Config c) : config(std::move(c)) {
    db::PoolOptions options;
    options.size = config.db_pool_size;
    pool = db::Pool::open(config.database_url, options);
    auto ops = std::make_shared<api::OpsContext>(api::OpsContext{metrics, {}, nullptr});
    realtime = std::make_unique<app::RealtimeModule>(std::nullopt, metrics,
                                                     static_cast<std::size_t>(config.ws_per_user));
    identity = std::make_unique<app::IdentityModule>(config, *pool, &realtime->bus());
    api::AppServices services{ops};
    services.identity = identity->api();
    catalogue = std::make_unique<app::CatalogueModule>(*pool, realtime->bus(), config);
    catalogue->provide(services);
    settings = std::make_unique<app::SettingsModule>(*pool, realtime->bus(), config);
    settings->provide(services);
    orders = std::make_unique<app::OrdersModule>(*pool, realtime->bus(), realtime->hub(), metrics,
                                                 config, settings->timing());
    fulfil = std::make_unique<app::FulfilModule>(*pool, realtime->bus(), realtime->hub(),
                                                 orders->orders(), config);
    fulfil->provide(services);
    orders->provide(services);
    payments = std::make_unique<app::PaymentsModule>(*pool, orders->orders(), config, &metrics,
                                                     &realtime->bus());
    payments->provide(services);
    reports = std::make_unique<app::ReportsModule>(*pool, config);
    reports->provide(services);
    notify = std::make_unique<app::NotifyModule>(config, *pool, 0, &metrics, &identity->denylist());
    // Webhook hosts are never looked up (nothing leaves the process): names do not resolve,
    // IP literals are still judged public or not.
    notify->use_resolver([](const std::string&) { return std::vector<util::IpAddress>{}; });
    notify->provide(services);
    api::register_all_routes(router, openapi, services);
    std::vector<std::unique_ptr<http::Middleware>> chain;
    chain.push_back(std::make_unique<http::RequestIdMiddleware>());
    dispatcher = std::make_unique<http::Dispatcher>(router, std::move(chain));
    // Callers are given as principals (see call()), so no authenticator: the JWT parser
    // has its own target. The guard stays: it sees every request as the server's does.
    dispatcher->set_guard(&identity->guard());
  }
  ~App() {
    dispatcher.reset();
    notify->stop();
  }
};

struct Call {
  const http::Route* route = nullptr;
  std::optional<auth::Principal> principal;
  std::string path;
  bool if_match = false;
  bool idempotency_key = false;
  std::string_view body;
};

http::Response call(App& app, const Call& c) {
  http::Request req;
  req.method = c.route->method;
  req.path = c.path;
  req.target = c.path;
  req.body = std::string(c.body);
  req.client_ip = "203.0.113.9";
  req.principal = c.principal;
  const std::string idem = "fuzz-" + std::to_string(std::hash<std::string_view>{}(c.body));
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("user-agent", "crema-fuzz-dto");
  if (c.if_match) req.headers.emplace_back("if-match", "\"1\"");
  if (c.idempotency_key) req.headers.emplace_back("idempotency-key", idem);
  // As the server does: a garbage parameter may make the path another route's, or none
  // (prepare() answers 404/405 then).
  const http::Match match = app.router.match(req.method, req.path);
  http::Exchange ex{req, match, std::chrono::steady_clock::now()};
  http::Response res;
  if (auto early = app.dispatcher->prepare(ex)) {
    res = std::move(*early);
  } else {
    res = app.dispatcher->invoke(ex);
  }
  app.dispatcher->finish(ex, res);
  return res;
}

class Harness {
 public:
  Harness() {
    obs::set_log_level(obs::Level::error);
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/crema-fuzz-dto-XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::runtime_error("fuzz dto: mkdtemp failed");
    dir_ = templ;
    seeded_ = dir_ / "seeded.db";
    work_ = dir_ / "work.db";
    seed();
    reset();
  }
  ~Harness() {
    app_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  const std::vector<const http::Route*>& routes() const { return routes_; }

  /// One input: see targets.hpp for the layout.
  std::optional<int> run(const std::uint8_t* data, std::size_t size) {
    if (++calls_ % kResetEvery == 0) reset();
    std::string_view in(reinterpret_cast<const char*>(data), size);
    const http::Route* route = nullptr;
    unsigned flags = 0;
    unsigned pick = 0;
    if (in.starts_with("@")) {
      // "@METHOD /pattern FLAGS PICK\n" then the body (the readable form of the seeds).
      const auto eol = in.find('\n');
      std::string_view line = in.substr(1, eol == std::string_view::npos ? in.npos : eol - 1);
      in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
      const auto sp1 = line.find(' ');
      const auto sp2 = sp1 == line.npos ? line.npos : line.find(' ', sp1 + 1);
      const std::string_view method = line.substr(0, sp1);
      const std::string_view pattern =
          sp1 == line.npos ? std::string_view() : line.substr(sp1 + 1, sp2 - sp1 - 1);
      for (const auto* r : routes_)
        if (http::method_name(r->method) == method && r->pattern == pattern) route = r;
      if (!route) route = routes_[std::hash<std::string_view>{}(line) % routes_.size()];
      if (sp2 != line.npos) {
        const std::string rest(line.substr(sp2 + 1));
        std::sscanf(rest.c_str(), "%x %x", &flags, &pick);
      }
    } else {
      if (size < 3) return std::nullopt;
      route = routes_[data[0] % routes_.size()];
      flags = data[1];
      pick = data[2];
      in.remove_prefix(3);
    }
    Call c;
    c.route = route;
    c.principal = principal_for(*route, flags & 7u);
    c.if_match = (flags & 8u) != 0;
    c.idempotency_key = (flags & 16u) != 0;
    c.path = fill(route->pattern, pick & 0xffu);
    std::string body;
    if (in.find('$') != std::string_view::npos) {
      body = with_ids(in, pick, c.principal);
      in = body;
    }
    c.body = in;
    const http::Response res = call(*app_, c);
    if (verbose_)
      std::fprintf(stderr, "fuzz dto: %d %s %s (as %s)\n  %.*s\n  → %.300s\n", res.status,
                   std::string(http::method_name(route->method)).c_str(), c.path.c_str(),
                   c.principal ? std::string(auth::role_name(c.principal->role)).c_str() : "nobody",
                   static_cast<int>(c.body.size()), c.body.data(), res.body.c_str());
    if (res.status >= 500 && !(res.status == 503 && documented(*route, 503))) {
      std::fprintf(stderr,
                   "\nfuzz dto: %d from %s %s (as %s, flags %02x, pick %02x)\nbody: %.*s\n"
                   "answer: %s\n",
                   res.status, std::string(http::method_name(route->method)).c_str(),
                   c.path.c_str(),
                   c.principal ? std::string(auth::role_name(c.principal->role)).c_str() : "nobody",
                   flags, pick, static_cast<int>(c.body.size()), c.body.data(), res.body.c_str());
      std::abort();
    }
    return res.status;
  }

 private:
  static bool documented(const http::Route& r, int status) {
    for (int e : r.doc.errors)
      if (e == status) return true;
    return false;
  }

  // The demo database, once: `crema seed-demo` (users, menu, stock, orders, payments, a
  // driver), then the rows the demo lacks, made through the routes themselves (a review, an
  // event request, a delivery, an API key, a webhook), so every path parameter has real ids.
  void seed() {
    app::Config c = fuzz_config(dir_, seeded_);
    if (app::run_seed_demo(c) != 0) throw std::runtime_error("fuzz dto: seed-demo failed");
    {
      App app(c);
      load_ids(app);
      collect_routes(app);
      auto as = [&](Role r) { return principal_for_role(r); };
      auto send = [&](http::Method method, std::string path, std::optional<auth::Principal> who,
                      std::string body) {
        const auto match = app.router.match(method, path);
        if (!match.route) throw std::runtime_error("fuzz dto: no route " + path);
        Call call_;
        call_.route = match.route;
        call_.principal = std::move(who);
        call_.path = std::move(path);
        call_.body = body;
        const auto res = call(app, call_);
        if (res.status >= 300)
          std::fprintf(stderr, "fuzz dto: setup %s → %d %s\n", call_.path.c_str(), res.status,
                       res.body.c_str());
      };
      auto post = [&](std::string path, std::optional<auth::Principal> who, std::string body) {
        send(http::Method::post, std::move(path), std::move(who), std::move(body));
      };
      // The demo café keeps real opening hours; the customers' orders below must not depend
      // on the time the corpus runs at.
      send(http::Method::put, "/api/v1/settings", as(Role::admin), R"({"hours": []})");
      const std::string& product = ids_["products"].front();
      const std::string item = R"([{"product_id": ")" + product + R"(", "quantity": 1}])";
      post("/api/v1/products/" + product + "/reviews", as(Role::customer),
           R"({"rating": 4, "comment": "Flaky and buttery."})");
      post("/api/v1/events", as(Role::customer),
           R"({"event_type": "birthday", "date": "2031-05-04", "guests": 12, "items": )" + item +
               "}");
      post("/api/v1/api-keys", as(Role::admin),
           R"({"name": "partner", "scopes": ["orders:read", "orders:write"]})");
      post("/api/v1/webhooks", as(Role::admin),
           R"({"url": "https://partner.example/hook", "events": ["order_created"]})");
      // A driver account without a driver profile yet (POST /drivers needs one).
      post(
          "/api/v1/auth/register", as(Role::admin),
          R"({"name": "Second Driver", "email": "driver2@fuzz.test", "password": "crema-demo-2026", "role": "driver"})");
      // An online delivery order, assigned to the demo driver (a delivery).
      post("/api/v1/orders", as(Role::customer),
           R"({"type": "online", "is_pickup": false, "items": )" + item +
               R"(, "delivery_info": {"address": "1 Fuzz Lane"}})");
      load_ids(app);
      post("/api/v1/orders/" + ids_["orders"].front() + "/assign-delivery", as(Role::admin),
           R"({"driver_id": ")" + ids_["drivers"].front() + R"("})");
      // A takeaway paid in cash at the counter (a payment that refunds without a gateway).
      post("/api/v1/orders", as(Role::staff),
           R"({"type": "takeaway", "payment_method": "cash", "items": )" + item + "}");
      load_ids(app);
      post("/api/v1/payments/checkout", as(Role::staff),
           R"({"order_id": ")" + ids_["orders"].front() + R"(", "payment_method": "cash"})");
      // A customer's completed order, the second of the orders (the order-feedback seed picks
      // it; order-assign-delivery picks the delivery order, the fourth).
      post("/api/v1/orders", as(Role::customer),
           R"({"type": "online", "is_pickup": true, "items": )" + item + "}");
      load_ids(app);
      const std::string done = ids_["orders"].front();
      for (const char* s : {"confirmed", "preparing", "ready", "completed"})
        send(http::Method::put, "/api/v1/orders/" + done + "/status", as(Role::staff),
             std::string(R"({"status": ")") + s + R"("})");
      // Last, so it is the first of the orders: a customer's pending, unpaid order.
      post("/api/v1/orders", as(Role::customer),
           R"({"type": "online", "is_pickup": true, "items": )" + item + "}");
      load_ids(app);
    }
  }

  void load_ids(App& app) {
    for (const auto& [segment, table] : id_tables()) {
      auto& list = ids_[segment];
      list.clear();
      for (const auto& row :
           app.pool->read()->exec("SELECT id FROM " + table + " ORDER BY id DESC LIMIT 64"))
        list.push_back(row.text(0));
    }
    users_.clear();
    for (const auto& row : app.pool->read()->exec(
             "SELECT id, role FROM users WHERE email LIKE '%@crema.demo' ORDER BY email")) {
      const auto role = auth::parse_role(row.text(1));
      if (role && !users_.contains(*role)) users_[*role] = row.text(0);
    }
  }

  void collect_routes(App& app) {
    routes_.clear();
    for (const auto& r : app.router.routes())
      if (mutating(r->method) && r->body == http::BodyKind::json) routes_.push_back(r.get());
    if (routes_.empty()) throw std::runtime_error("fuzz dto: no route takes a JSON body");
  }

  // Puts the store back to its seeded state and builds the application on it afresh.
 public:
  void reset() {
    app_.reset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      fs::remove(work_.string() + suffix, ec);
    fs::copy_file(seeded_, work_, fs::copy_options::overwrite_existing);
    app_ = std::make_unique<App>(fuzz_config(dir_, work_));
    // The route objects of the new table: same order, same patterns.
    std::vector<const http::Route*> fresh;
    for (const auto& r : app_->router.routes())
      if (mutating(r->method) && r->body == http::BodyKind::json) fresh.push_back(r.get());
    routes_ = std::move(fresh);
  }

 private:
  std::optional<auth::Principal> principal_for_role(Role role) const {
    auth::Principal p;
    p.role = role;
    auto it = users_.find(role);
    if (it != users_.end()) p.user_id = it->second;
    return p;
  }

  // Who calls: 0-6 one of the roles the route admits (admin first when it may), 7 a
  // customer even where customers are refused. Public routes: nobody or a customer.
  std::optional<auth::Principal> principal_for(const http::Route& r, unsigned who) const {
    if (who == 7) return principal_for_role(Role::customer);
    if (r.access.is_public) return who % 2 == 0 ? std::nullopt : principal_for_role(Role::customer);
    std::vector<Role> allowed;
    for (Role role : {Role::admin, Role::manager, Role::staff, Role::driver, Role::customer})
      if (r.access.allows(role)) allowed.push_back(role);
    if (allowed.empty()) return principal_for_role(Role::customer);
    return principal_for_role(allowed[who % allowed.size()]);
  }

  // The path with each {param} replaced: a real id of the path's resource for `pick` below
  // 0xe0, one of the garbage ids above.
  std::string fill(const std::string& pattern, unsigned pick) const {
    std::string out;
    std::size_t i = 0;
    static const std::vector<std::string> none;
    auto found = ids_.find(first_segment(pattern));
    const auto& real = found == ids_.end() ? none : found->second;
    while (i < pattern.size()) {
      const auto open = pattern.find('{', i);
      if (open == std::string::npos) {
        out += pattern.substr(i);
        break;
      }
      out += pattern.substr(i, open - i);
      const auto close = pattern.find('}', open);
      if (pick >= 0xe0 || real.empty()) {
        const auto junk = garbage_ids(real);
        out += junk[pick % junk.size()];
      } else {
        out += real[pick % real.size()];
      }
      i = close + 1;
    }
    return out;
  }

  // Ids inside bodies: `$products`, `$orders`, `$inventory`, `$users`, `$drivers`, … (a
  // first path segment of id_tables()) become a real id of that resource, chosen by `pick`
  // like the path's, or by the number right after the name (`$products16`: the 17th newest
  // product); `$me` the caller's own user id. The seeds name the rows they need so.
  std::string with_ids(std::string_view body, unsigned pick,
                       const std::optional<auth::Principal>& who) const {
    std::string out;
    out.reserve(body.size() + 64);
    std::size_t i = 0;
    while (i < body.size()) {
      const auto dollar = body.find('$', i);
      out += body.substr(i, dollar == body.npos ? body.npos : dollar - i);
      if (dollar == body.npos) break;
      std::size_t end = dollar + 1;
      while (end < body.size() && ((body[end] >= 'a' && body[end] <= 'z') || body[end] == '-'))
        ++end;
      const std::string_view name = body.substr(dollar + 1, end - dollar - 1);
      std::size_t index = pick;
      if (end < body.size() && body[end] >= '0' && body[end] <= '9') {
        index = 0;
        while (end < body.size() && body[end] >= '0' && body[end] <= '9' && index < 100000)
          index = index * 10 + static_cast<std::size_t>(body[end++] - '0');
      }
      if (name == "me" && who) {
        out += who->user_id;
      } else if (auto it = ids_.find(name); it != ids_.end() && !it->second.empty()) {
        out += it->second[index % it->second.size()];
      } else {
        out += body.substr(dollar, end - dollar);
      }
      i = end;
    }
    return out;
  }

  fs::path dir_, seeded_, work_;
  std::unique_ptr<App> app_;
  std::vector<const http::Route*> routes_;
  std::map<std::string, std::vector<std::string>, std::less<>> ids_;
  std::map<Role, std::string> users_;
  long calls_ = 0;
  // CREMA_FUZZ_DTO_VERBOSE=1: every call and its answer on stderr (writing seeds).
  const bool verbose_ = std::getenv("CREMA_FUZZ_DTO_VERBOSE") != nullptr;
};

Harness& harness() {
  static Harness h;
  return h;
}

}  // namespace

int dto(const std::uint8_t* data, std::size_t size) {
  (void)harness().run(data, size);
  return 0;
}

std::optional<int> dto_status(const std::uint8_t* data, std::size_t size) {
  return harness().run(data, size);
}

void dto_reset() { harness().reset(); }

std::vector<std::string> dto_routes() {
  std::vector<std::string> out;
  for (const auto* r : harness().routes())
    out.push_back(std::string(http::method_name(r->method)) + " " + r->pattern);
  return out;
}

std::vector<std::string> dto_skipped_routes() {
  std::vector<std::string> out;
  for (const auto& s : kNotFuzzed)
    out.push_back(std::string(s.method) + " " + std::string(s.pattern));
  return out;
}

}  // namespace crema::fuzz

// The rate limiter (sliding window and the failure lockout), the token denylist, and the request
// guard that applies SPEC §3's budgets through the dispatcher.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "api/request_guard.hpp"
#include "auth/denylist.hpp"
#include "auth/rate_limiter.hpp"
#include "net/dispatcher.hpp"
#include "util/time.hpp"

namespace crema {
namespace {

constexpr std::int64_t kT0 = 1'795'338'900'000;

static_assert(kT0 % 60'000 == 0, "kT0 starts a minute");

TEST(SlidingWindow, ABurstOfTheLimitThenWaitUntilItLeavesTheWindow) {
  auth::MemoryRateLimiter rl;
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(rl.take("k", 6, 60'000, kT0 + i).allowed) << i;
  auto refused = rl.take("k", 6, 60'000, kT0 + 10);
  EXPECT_FALSE(refused.allowed);
  // The six were counted in the sub-window [kT0, kT0 + 5 s); it leaves the window once a
  // whole minute has passed its end.
  EXPECT_EQ(refused.retry_after_ms, 65'000 - 10);
  // A refused request is not counted.
  EXPECT_FALSE(rl.take("k", 6, 60'000, kT0 + 30'000).allowed);
  EXPECT_FALSE(rl.take("k", 6, 60'000, kT0 + 64'999).allowed);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(rl.take("k", 6, 60'000, kT0 + 65'000).allowed) << i;
  EXPECT_FALSE(rl.take("k", 6, 60'000, kT0 + 65'000).allowed);
  // Keys are independent.
  EXPECT_TRUE(rl.take("other", 6, 60'000, kT0).allowed);
  // A long silence gives the whole budget back.
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(rl.take("k", 6, 60'000, kT0 + 900'000).allowed) << i;
}

TEST(SlidingWindow, NeverMoreThanTheLimitInAnyWindowEvenAroundEdges) {
  // Fixed windows and token buckets let up to twice the limit through around an edge; this
  // limiter never lets more than the limit through in any 60 s.
  auth::MemoryRateLimiter rl;
  std::vector<std::int64_t> allowed;
  for (std::int64_t t = kT0 + 50'000; t < kT0 + 400'000; t += 250)
    if (rl.take("edge", 100, 60'000, t).allowed) allowed.push_back(t);
  for (std::int64_t t = kT0 + 400'000; t < kT0 + 420'000; t += 7)  // a flood
    if (rl.take("edge", 100, 60'000, t).allowed) allowed.push_back(t);
  ASSERT_GT(allowed.size(), 500u);  // and it does not starve either: ~100 per 65 s
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    std::size_t in_window = 0;
    for (std::size_t j = i; j < allowed.size() && allowed[j] < allowed[i] + 60'000; ++j)
      ++in_window;
    ASSERT_LE(in_window, 100u) << "from " << allowed[i] - kT0;
  }
  int seven = 0;
  for (int i = 0; i < 20; ++i) seven += rl.take("seven", 7, 60'000, kT0 + 5).allowed ? 1 : 0;
  EXPECT_EQ(seven, 7);
}

TEST(SlidingWindow, PureDecision) {
  const std::int64_t i0 = kT0 / 5'000;
  const auth::SubWindowCount one[] = {{i0, 1}};
  EXPECT_TRUE(auth::sliding_window({}, 1, 60'000, kT0).allowed);
  EXPECT_FALSE(auth::sliding_window(one, 1, 60'000, kT0).allowed);
  EXPECT_EQ(auth::sliding_window(one, 1, 60'000, kT0).retry_after_ms, 65'000);
  // The oldest counts leave first; the wait is until enough of them have.
  const auth::SubWindowCount spread[] = {{i0 + 4, 3}, {i0, 2}, {i0 + 10, 5}};
  EXPECT_TRUE(auth::sliding_window(spread, 11, 60'000, kT0 + 55'000).allowed);
  auto d = auth::sliding_window(spread, 10, 60'000, kT0 + 55'000);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 65'000 - 55'000);  // the 2 of sub-window i0 free one slot
  auto e = auth::sliding_window(spread, 8, 60'000, kT0 + 55'000);
  EXPECT_EQ(e.retry_after_ms, 85'000 - 55'000);  // 2 + 3 must leave: sub-window i0 + 4
}

TEST(FailureLockout, LocksAtTheThresholdUntilTheWindowEnds) {
  auth::MemoryRateLimiter rl;
  const std::int64_t window = 15 * 60'000;
  const std::string key = "login:a@example.com";
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(rl.reserve_attempt(key, 5, window, kT0 + i * 1000)) << i;
  auto left = rl.reserve_attempt(key, 5, window, kT0 + 5000);
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, window - 5000);  // the window started with the first attempt
  EXPECT_TRUE(rl.reserve_attempt(key, 5, window, kT0 + window - 1));
  // A new window starts with the next attempt after it.
  EXPECT_FALSE(rl.reserve_attempt(key, 5, window, kT0 + window));
  EXPECT_TRUE(rl.reserve_attempt(key, 1, window, kT0 + window + 2));
  EXPECT_FALSE(rl.reserve_attempt(key, 2, window, kT0 + window + 2));
  rl.clear_failures(key);
  EXPECT_FALSE(rl.reserve_attempt(key, 1, window, kT0 + window + 3));
}

TEST(FailureLockout, AnAttemptGivenBackFreesItsPlace) {
  auth::MemoryRateLimiter rl;
  const std::int64_t window = 15 * 60'000;
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(rl.reserve_attempt("k", 5, window, kT0));
  ASSERT_TRUE(rl.reserve_attempt("k", 5, window, kT0));
  rl.release_attempt("k", kT0 + 1);
  EXPECT_FALSE(rl.reserve_attempt("k", 5, window, kT0 + 2));
  EXPECT_TRUE(rl.reserve_attempt("k", 5, window, kT0 + 3));
  // Never below zero, and nothing once the window is over.
  rl.clear_failures("k");
  rl.release_attempt("k", kT0 + 4);
  rl.release_attempt("k", kT0 + 4);
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(rl.reserve_attempt("k", 5, window, kT0 + 5)) << i;
  EXPECT_TRUE(rl.reserve_attempt("k", 5, window, kT0 + 5));
  rl.release_attempt("k", kT0 + window + 10);
  EXPECT_FALSE(rl.reserve_attempt("k", 5, window, kT0 + window + 10));
}

// The check and the count are one step: twenty concurrent attempts, five places.
TEST(FailureLockout, ConcurrentAttemptsNeverExceedTheThreshold) {
  auth::MemoryRateLimiter rl;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      if (!rl.reserve_attempt("login:x@example.com", 5, 900'000, kT0)) ++admitted;
    });
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 5);
}

TEST(MemoryStores, ExpiredEntriesAreSweptAsTheyGrow) {
  auth::MemoryRateLimiter rl;
  for (int i = 0; i < 70'000; ++i) rl.take("ip:" + std::to_string(i), 10, 60'000, kT0);
  EXPECT_EQ(rl.size(), 70'000u);  // all live: nothing may be dropped
  // Much later every entry is stale; new traffic sweeps them.
  for (int i = 0; i < 70'000; ++i)
    rl.take("late:" + std::to_string(i), 10, 60'000, kT0 + 3'600'000);
  EXPECT_LT(rl.size(), 100'000u);
  EXPECT_GE(rl.size(), 70'000u);

  auth::MemoryTokenDenylist deny;
  deny.deny("jti-1", kT0 + 900'000, kT0);
  EXPECT_TRUE(deny.denied("jti-1", kT0 + 899'999));
  EXPECT_FALSE(deny.denied("jti-1", kT0 + 900'000));
  EXPECT_FALSE(deny.denied("jti-2", kT0));
  deny.deny("past", kT0 - 1, kT0);
  EXPECT_FALSE(deny.denied("past", kT0 - 10));
  for (int i = 0; i < 5000; ++i) deny.deny("j" + std::to_string(i), kT0 + 1000, kT0);
  for (int i = 0; i < 5000; ++i) deny.deny("k" + std::to_string(i), kT0 + 5000, kT0 + 2000);
  EXPECT_LT(deny.size(), 8000u);
}

// ---- the guard, through the dispatcher ---------------------------------------------------

using http::Method;
using http::Request;
using http::Response;

// Principals from test headers: X-Test-User: <id>[,role]; X-Test-Key: <id>,<tier>;
// X-Test-Order: <order id> (a guest's order token, SPEC §15.1).
class HeaderAuthenticator : public http::Authenticator {
 public:
  Result<std::optional<auth::Principal>> authenticate(const Request& req) override {
    if (req.header("x-test-bad")) return Error::make(ErrorCode::unauthorized, "bad");
    if (auto o = req.header("x-test-order")) {
      auth::Principal p;
      p.order_id = std::string(*o);
      return std::optional<auth::Principal>(p);
    }
    if (auto u = req.header("x-test-user")) {
      auth::Principal p;
      std::string_view v = *u;
      auto comma = v.find(',');
      p.user_id = std::string(v.substr(0, comma));
      p.role = comma == std::string_view::npos ? auth::Role::customer
                                               : *auth::parse_role(v.substr(comma + 1));
      p.two_factor = req.header("x-test-2fa").has_value();
      return std::optional<auth::Principal>(p);
    }
    if (auto k = req.header("x-test-key")) {
      auth::Principal p;
      std::string_view v = *k;
      auto comma = v.find(',');
      p.api_key_id = std::string(v.substr(0, comma));
      p.api_key_tier = std::string(v.substr(comma + 1));
      p.scopes = {"menu:read"};
      return std::optional<auth::Principal>(p);
    }
    return std::optional<auth::Principal>{};
  }
};

// A limiter that records whether it was used (and claims to block like Redis).
class RecordingLimiter : public auth::RateLimiter {
 public:
  explicit RecordingLimiter(bool blocking) : blocking_(blocking) {}
  auth::RateDecision take(std::string_view key, int limit, std::int64_t window,
                          std::int64_t now) override {
    ++calls;
    if (fail) throw std::runtime_error("redis down");
    return inner_.take(key, limit, window, now);
  }
  void refund(std::string_view key, std::int64_t window, std::int64_t charged) override {
    ++refunds;
    inner_.refund(key, window, charged);
  }
  std::optional<std::int64_t> reserve_attempt(std::string_view, int, std::int64_t,
                                              std::int64_t) override {
    return std::nullopt;
  }
  void release_attempt(std::string_view, std::int64_t) override {}
  void clear_failures(std::string_view) override {}
  bool blocking() const noexcept override { return blocking_; }
  int calls = 0;
  int refunds = 0;
  bool fail = false;

 private:
  bool blocking_;
  auth::MemoryRateLimiter inner_;
};

class GuardTest : public ::testing::Test {
 protected:
  void build(api::RateLimits limits, bool require_admin_2fa = false) {
    auto add = [&](Method m, std::string pattern, auth::Access access, bool offload = true,
                   bool limited = true) {
      http::Route r;
      r.method = m;
      r.pattern = std::move(pattern);
      r.access = access;
      r.offload = offload;
      r.rate_limited = limited;
      r.doc.summary = "test";
      r.handler = [this](Request& req) {
        ++handled_;
        if (auto tag = req.header("if-none-match"); tag && *tag == "\"v1\"")
          return Response(304, "", "");
        return Response(200, "{}");
      };
      router_.add(std::move(r));
    };
    add(Method::post, "/api/v1/auth/login", auth::Access::public_());
    add(Method::post, "/api/v1/auth/refresh", auth::Access::public_());
    add(Method::post, "/api/v1/auth/register", auth::Access::public_());
    add(Method::get, "/api/v1/menu", auth::Access::public_().with_scope("menu:read"));
    add(Method::get, "/api/v1/static", auth::Access::public_(), /*offload=*/false);
    add(Method::get, "/health", auth::Access::public_(), false, /*limited=*/false);
    add(Method::get, "/api/v1/mine", auth::Access::any_user());
    add(Method::get, "/api/v1/my-order", auth::Access::any_user().with_order_token());
    dispatcher_ = std::make_unique<http::Dispatcher>(
        router_, std::vector<std::unique_ptr<http::Middleware>>{});
    dispatcher_->set_authenticator(&authn_);
    add(Method::post, "/api/v1/things", auth::Access::any_user());
    add(Method::post, "/api/v1/auth/2fa/setup", auth::Access::any_user());
    add(Method::post, "/api/v1/auth/logout", auth::Access::any_user());
    guard_ = std::make_unique<api::RequestGuard>(limits, shared_, local_, require_admin_2fa);
    dispatcher_->set_guard(guard_.get());
  }

  Response run(Method m, std::string path,
               std::vector<std::pair<std::string, std::string>> headers = {},
               std::string ip = "192.0.2.1") {
    headers_ = std::move(headers);
    Request req;
    req.method = m;
    req.path = std::move(path);
    req.client_ip = std::move(ip);
    for (const auto& [n, v] : headers_) req.headers.emplace_back(n, v);
    http::Match match = router_.match(m, req.path);
    http::Exchange ex{req, match, std::chrono::steady_clock::now()};
    Response res;
    if (auto early = dispatcher_->prepare(ex)) return *early;
    return dispatcher_->invoke(ex);
  }
  int statuses(int n, Method m, const std::string& path,
               std::vector<std::pair<std::string, std::string>> headers = {},
               std::string ip = "192.0.2.1", int want = 200) {
    int ok = 0;
    for (int i = 0; i < n; ++i) ok += run(m, path, headers, ip).status == want ? 1 : 0;
    return ok;
  }

  http::Router router_;
  HeaderAuthenticator authn_;
  RecordingLimiter shared_{true};
  RecordingLimiter local_{false};
  std::unique_ptr<api::RequestGuard> guard_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::vector<std::pair<std::string, std::string>> headers_;
  int handled_ = 0;
};

TEST_F(GuardTest, AuthRoutesShareOnePerIpBudget) {
  build({.auth_per_min = 3, .public_per_min = 100, .user_per_min = 100});
  EXPECT_EQ(run(Method::post, "/api/v1/auth/login").status, 200);
  EXPECT_EQ(run(Method::post, "/api/v1/auth/register").status, 200);
  EXPECT_EQ(run(Method::post, "/api/v1/auth/refresh").status, 200);
  Response refused = run(Method::post, "/api/v1/auth/login");
  EXPECT_EQ(refused.status, 429);
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->code, ErrorCode::rate_limited);
  std::string retry;
  for (const auto& [n, v] : refused.headers)
    if (n == "Retry-After") retry = v;
  EXPECT_GE(std::stoi(retry), 60);  // the first of the three leaves the window after a minute
  EXPECT_LE(std::stoi(retry), 65);
  // Another IP has its own budget; public routes are a separate budget.
  EXPECT_EQ(run(Method::post, "/api/v1/auth/login", {}, "192.0.2.2").status, 200);
  EXPECT_EQ(run(Method::get, "/api/v1/menu").status, 200);
  // A signed-in caller still pays the IP's auth budget (no escape by attaching a token)…
  EXPECT_EQ(run(Method::post, "/api/v1/auth/login", {{"X-Test-User", "u1"}}).status, 429);
  // …except an admin creating accounts.
  EXPECT_EQ(run(Method::post, "/api/v1/auth/register", {{"X-Test-User", "a1,admin"}}).status, 200);
}

TEST_F(GuardTest, PublicUserAndKeyBudgetsAreSeparate) {
  build({.auth_per_min = 100,
         .public_per_min = 4,
         .user_per_min = 5,
         .standard_key_per_min = 2,
         .partner_key_per_min = 3});
  EXPECT_EQ(statuses(6, Method::get, "/api/v1/menu"), 4);
  // Signed-in users are counted per user, not per IP.
  EXPECT_EQ(statuses(7, Method::get, "/api/v1/mine", {{"X-Test-User", "u1"}}), 5);
  EXPECT_EQ(statuses(7, Method::get, "/api/v1/mine", {{"X-Test-User", "u2"}}), 5);
  // API keys by tier.
  EXPECT_EQ(statuses(5, Method::get, "/api/v1/menu", {{"X-Test-Key", "k1,standard"}}), 2);
  EXPECT_EQ(statuses(5, Method::get, "/api/v1/menu", {{"X-Test-Key", "k2,partner"}}), 3);
}

TEST_F(GuardTest, GuestsPayTheIpsPublicBudget) {
  // SPEC §15.1: an order token is no account; its requests count with the IP's anonymous
  // ones (however many orders' tokens it holds).
  build({.auth_per_min = 100, .public_per_min = 4, .user_per_min = 100});
  EXPECT_EQ(statuses(2, Method::get, "/api/v1/menu", {}, "203.0.113.5"), 2);
  EXPECT_EQ(statuses(3, Method::get, "/api/v1/my-order", {{"X-Test-Order", "o1"}}, "203.0.113.5"),
            2);
  EXPECT_EQ(run(Method::get, "/api/v1/my-order", {{"X-Test-Order", "o2"}}, "203.0.113.5").status,
            429);
  EXPECT_EQ(run(Method::get, "/api/v1/my-order", {{"X-Test-Order", "o1"}}, "203.0.113.6").status,
            200)
      << "another IP";
}

TEST_F(GuardTest, BadCredentialsAreChargedToTheIp) {
  // 401 until the IP's public budget is gone, then 429.
  build({.auth_per_min = 100, .public_per_min = 2, .user_per_min = 100});
  EXPECT_EQ(run(Method::get, "/api/v1/mine", {{"X-Test-Bad", "1"}}, "198.51.100.9").status, 401);
  EXPECT_EQ(run(Method::get, "/api/v1/mine", {{"X-Test-Bad", "1"}}, "198.51.100.9").status, 401);
  EXPECT_EQ(run(Method::get, "/api/v1/mine", {{"X-Test-Bad", "1"}}, "198.51.100.9").status, 429);
}

TEST_F(GuardTest, HealthAnd304AnswersAreNeverLimitedAndZeroIsOff) {
  build({.auth_per_min = 0, .public_per_min = 2, .user_per_min = 0});
  EXPECT_EQ(statuses(50, Method::get, "/health"), 50);
  // Conditional GETs answered 304 are free; the ones that get a body are counted after.
  EXPECT_EQ(
      statuses(20, Method::get, "/api/v1/menu", {{"If-None-Match", "\"v1\""}}, "192.0.2.1", 304),
      20);
  EXPECT_EQ(run(Method::get, "/api/v1/menu", {{"If-None-Match", "\"old\""}}).status, 200);
  EXPECT_EQ(run(Method::get, "/api/v1/menu", {{"If-None-Match", "\"old\""}}).status, 200);
  EXPECT_EQ(run(Method::get, "/api/v1/menu", {{"If-None-Match", "\"old\""}}).status, 429);
  EXPECT_EQ(run(Method::get, "/api/v1/menu").status, 429);
  // Zero turns a budget off.
  EXPECT_EQ(statuses(100, Method::post, "/api/v1/auth/login"), 100);
  EXPECT_EQ(statuses(100, Method::get, "/api/v1/mine", {{"X-Test-User", "u1"}}), 100);
}

// A conditional GET is charged before its handler runs, like any request: once the budget
// is spent the handler is not even called; a 304 is given back afterwards.
TEST_F(GuardTest, ConditionalGetsAreChargedBeforeTheHandlerAndRefundedOn304) {
  build({.auth_per_min = 0, .public_per_min = 2, .user_per_min = 0});
  EXPECT_EQ(run(Method::get, "/api/v1/menu", {{"If-None-Match", "\"old\""}}).status, 200);
  EXPECT_EQ(run(Method::get, "/api/v1/menu", {{"If-None-Match", "\"v1\""}}).status, 304);
  EXPECT_EQ(shared_.refunds, 1);
  EXPECT_EQ(run(Method::get, "/api/v1/menu", {{"If-None-Match", "\"old\""}}).status, 200);
  const int handled = handled_;
  EXPECT_EQ(run(Method::get, "/api/v1/menu", {{"If-None-Match", "\"old\""}}).status, 429);
  EXPECT_EQ(run(Method::get, "/api/v1/menu", {{"If-None-Match", "\"v1\""}}).status, 429);
  EXPECT_EQ(handled_, handled) << "the handler ran for a request over its budget";
}

// Bad credentials always cost the IP a request, conditional GET or not.
TEST_F(GuardTest, BadCredentialsOnConditionalGetsAreCounted) {
  build({.auth_per_min = 100, .public_per_min = 2, .user_per_min = 100});
  const std::vector<std::pair<std::string, std::string>> h = {{"X-Test-Bad", "1"},
                                                              {"If-None-Match", "\"v1\""}};
  EXPECT_EQ(run(Method::get, "/api/v1/mine", h, "198.51.100.10").status, 401);
  EXPECT_EQ(run(Method::get, "/api/v1/mine", h, "198.51.100.10").status, 401);
  EXPECT_EQ(run(Method::get, "/api/v1/mine", h, "198.51.100.10").status, 429);
}

TEST(SlidingWindow, ARefundGivesBackTheCountedRequest) {
  auth::MemoryRateLimiter rl;
  EXPECT_TRUE(rl.take("k", 2, 60'000, kT0).allowed);
  EXPECT_TRUE(rl.take("k", 2, 60'000, kT0 + 7000).allowed);
  EXPECT_FALSE(rl.take("k", 2, 60'000, kT0 + 8000).allowed);
  rl.refund("k", 60'000, kT0);
  EXPECT_TRUE(rl.take("k", 2, 60'000, kT0 + 9000).allowed);
  EXPECT_FALSE(rl.take("k", 2, 60'000, kT0 + 9000).allowed);
  // A count that left the window is not given back twice, nor another key's.
  rl.refund("other", 60'000, kT0);
  rl.refund("k", 60'000, kT0 - 120'000);
  EXPECT_FALSE(rl.take("k", 2, 60'000, kT0 + 9000).allowed);
}

TEST_F(GuardTest, BlockingLimitersAreNeverCalledOnTheIoThread) {
  build({.auth_per_min = 10, .public_per_min = 10, .user_per_min = 10});
  run(Method::get, "/api/v1/menu");
  EXPECT_EQ(shared_.calls, 1);
  EXPECT_EQ(local_.calls, 0);
  run(Method::get, "/api/v1/static");  // offload=false: served on the I/O thread
  EXPECT_EQ(shared_.calls, 1);
  EXPECT_EQ(local_.calls, 1);
  // A shared limiter that fails lets requests through rather than taking the service down.
  shared_.fail = true;
  EXPECT_EQ(statuses(20, Method::get, "/api/v1/menu"), 20);
}

TEST_F(GuardTest, AdminMutationsNeed2faWhenRequired) {
  build({.auth_per_min = 0, .public_per_min = 0, .user_per_min = 0}, /*require_admin_2fa=*/true);
  const std::vector<std::pair<std::string, std::string>> admin{{"X-Test-User", "a1,admin"}};
  auto refused = run(Method::post, "/api/v1/things", admin);
  EXPECT_EQ(refused.status, 403);
  ASSERT_TRUE(refused.error);
  EXPECT_NE(refused.error->message.find("two-factor"), std::string::npos);
  // Reading is fine, and so are the routes that let the admin comply or leave.
  EXPECT_EQ(run(Method::get, "/api/v1/mine", admin).status, 200);
  EXPECT_EQ(run(Method::post, "/api/v1/auth/2fa/setup", admin).status, 200);
  EXPECT_EQ(run(Method::post, "/api/v1/auth/logout", admin).status, 200);
  // With 2FA, or for other roles, mutations pass.
  EXPECT_EQ(run(Method::post, "/api/v1/things", {{"X-Test-User", "a1,admin"}, {"X-Test-2fa", "1"}})
                .status,
            200);
  EXPECT_EQ(run(Method::post, "/api/v1/things", {{"X-Test-User", "m1,manager"}}).status, 200);
}

TEST_F(GuardTest, AdminMutationsNeedNo2faByDefault) {
  build({.auth_per_min = 0, .public_per_min = 0, .user_per_min = 0});
  EXPECT_EQ(run(Method::post, "/api/v1/things", {{"X-Test-User", "a1,admin"}}).status, 200);
}

}  // namespace
}  // namespace crema

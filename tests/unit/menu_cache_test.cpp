// The menu cache: ETags and If-None-Match, invalidation (also during a rebuild), the
// maximum age, one rebuild for concurrent misses; and the route fast path in the
// dispatcher.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "api/menu_cache.hpp"
#include "net/dispatcher.hpp"

namespace crema::api {
namespace {

http::Request with_header(std::string_view name, std::string_view value) {
  http::Request req;
  req.headers.emplace_back(name, value);
  return req;
}

TEST(MenuCache, ETagMatching) {
  const auto etag = MenuCache::etag_of("{\"categories\":[]}");
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.size(), 36u);  // "m-" + 32 hex digits, quoted
  EXPECT_NE(etag, MenuCache::etag_of("{\"categories\":[1]}"));
  EXPECT_TRUE(MenuCache::etag_matches(etag, etag));
  EXPECT_TRUE(MenuCache::etag_matches("W/" + etag, etag));
  EXPECT_TRUE(MenuCache::etag_matches("\"a\", " + etag + " ,\"b\"", etag));
  EXPECT_TRUE(MenuCache::etag_matches(" * ", etag));
  EXPECT_FALSE(MenuCache::etag_matches("\"a\", \"b\"", etag));
  EXPECT_FALSE(MenuCache::etag_matches("", etag));
}

TEST(MenuCache, RespondsWith304OnlyForTheCurrentETag) {
  MenuCache cache;
  auto e = cache.get_or_build([] { return std::string("{\"x\":1}"); });
  auto plain = MenuCache::respond(http::Request{}, e);
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body_view(), "{\"x\":1}");
  EXPECT_EQ(plain.shared_body.get(), &e->body);  // shared with the cache, not copied
  auto same = MenuCache::respond(with_header("If-None-Match", e->etag), e);
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body_view().empty());
  auto other = MenuCache::respond(with_header("if-none-match", "\"old\""), e);
  EXPECT_EQ(other.status, 200);
}

TEST(MenuCache, InvalidationAndMaximumAge) {
  MenuCache cache;
  int builds = 0;
  auto build = [&] { return "v" + std::to_string(++builds); };
  EXPECT_EQ(cache.fresh(), nullptr);
  EXPECT_EQ(cache.get_or_build(build)->body, "v1");
  EXPECT_EQ(cache.get_or_build(build)->body, "v1");  // cached
  ASSERT_NE(cache.fresh(), nullptr);
  cache.invalidate();
  EXPECT_EQ(cache.fresh(), nullptr);
  EXPECT_EQ(cache.get_or_build(build)->body, "v2");
  cache.set_max_age_ms(30);
  cache.invalidate();
  EXPECT_EQ(cache.get_or_build(build)->body, "v3");
  ASSERT_NE(cache.fresh(), nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(cache.fresh(), nullptr);  // aged out
  EXPECT_EQ(cache.get_or_build(build)->body, "v4");
}

TEST(MenuCache, ABodyBuiltWhileAChangeArrivedIsNotKept) {
  MenuCache cache;
  auto stale = cache.get_or_build([&] {
    cache.invalidate();  // a change commits while the menu is being read
    return std::string("stale");
  });
  EXPECT_EQ(stale->body, "stale");    // this caller still gets an answer
  EXPECT_EQ(cache.fresh(), nullptr);  // but the next one rebuilds
  EXPECT_EQ(cache.get_or_build([] { return std::string("fresh"); })->body, "fresh");
}

TEST(MenuCache, ConcurrentMissesBuildOnce) {
  MenuCache cache;
  std::atomic<int> builds{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto e = cache.get_or_build([&] {
        ++builds;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return std::string("menu");
      });
      EXPECT_EQ(e->body, "menu");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(builds.load(), 1);
}

TEST(FastPath, AnswersWithoutTheHandlerOrDeclines) {
  http::Router router;
  int handled = 0;
  bool hit = true;
  router.add({.method = http::Method::get,
              .pattern = "/cached",
              .handler =
                  [&](http::Request&) {
                    ++handled;
                    return http::Response(200, "slow");
                  },
              .fast_path = [&](const http::Request&) -> std::optional<http::Response> {
                if (!hit) return std::nullopt;
                return http::Response(200, "fast");
              },
              .doc = {.summary = "x"}});
  router.add({.method = http::Method::get,
              .pattern = "/throws",
              .handler = [](http::Request&) { return http::Response(200, "slow"); },
              .fast_path = [](const http::Request&) -> std::optional<http::Response> {
                throw std::runtime_error("boom");
              },
              .doc = {.summary = "y"}});
  http::Dispatcher dispatcher(router, {});
  auto run = [&](std::string path) {
    http::Request req;
    req.path = path;
    auto match = router.match(http::Method::get, path);
    http::Exchange ex{req, match, std::chrono::steady_clock::now()};
    EXPECT_FALSE(dispatcher.prepare(ex));
    if (auto quick = dispatcher.try_fast_path(ex)) return quick->body;
    return dispatcher.invoke(ex).body;
  };
  EXPECT_EQ(run("/cached"), "fast");
  EXPECT_EQ(handled, 0);
  hit = false;
  EXPECT_EQ(run("/cached"), "slow");
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(run("/throws"), "slow");  // a failing fast path declines
}

}  // namespace
}  // namespace crema::api

// The static-file route that serves the built web app at /app: precompressed copies chosen
// by Accept-Encoding, ETag and 304, cache lifetimes, the history-API fallback to index.html,
// nothing served outside the loaded files, and the routes it mounts.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "api/static_site.hpp"

namespace crema::api {
namespace {

namespace fs = std::filesystem;

struct TempSite {
  fs::path dir;
  TempSite() {
    dir = fs::temp_directory_path() / ("crema-site-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(dir / "assets");
  }
  ~TempSite() { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& bytes) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel, std::ios::binary) << bytes;
  }
  void write_app() const {
    write("index.html",
          "<!doctype html><script type=module src=/app/assets/main-1a2b.js></script>");
    write("index.html.br", "BROTLI-INDEX");
    write("index.html.gz", "GZIP-INDEX");
    write("assets/main-1a2b.js", "console.log(1)");
    write("assets/main-1a2b.js.gz", "GZIP-JS");
    write("favicon.svg", "<svg/>");
  }
};

http::Request request(std::initializer_list<std::pair<std::string_view, std::string_view>> h) {
  http::Request req;
  for (const auto& [k, v] : h) req.headers.emplace_back(k, v);
  return req;
}

std::string site_header(const http::Response& res, std::string_view name) {
  for (const auto& [k, v] : res.headers)
    if (k == name) return v;
  return {};
}

TEST(StaticSite, ChoosesTheEncodingTheClientPrefers) {
  EXPECT_EQ(StaticSite::choose_encoding("gzip, deflate, br", true, true), "br");
  EXPECT_EQ(StaticSite::choose_encoding("gzip, deflate, br", false, true), "gzip");
  EXPECT_EQ(StaticSite::choose_encoding("gzip", true, true), "gzip");
  EXPECT_EQ(StaticSite::choose_encoding("BR", true, true), "br");
  EXPECT_EQ(StaticSite::choose_encoding("br;q=0, gzip", true, true), "gzip");
  EXPECT_EQ(StaticSite::choose_encoding("gzip;q=0.8, br;q=0.5", true, true), "gzip");
  EXPECT_EQ(StaticSite::choose_encoding("gzip;q=0.5, br;q=0.5", true, true), "br");
  EXPECT_EQ(StaticSite::choose_encoding("*", true, true), "br");
  EXPECT_EQ(StaticSite::choose_encoding("*;q=0, gzip", true, true), "gzip");
  EXPECT_EQ(StaticSite::choose_encoding("identity", true, true), "");
  EXPECT_EQ(StaticSite::choose_encoding("", true, true), "");
  EXPECT_EQ(StaticSite::choose_encoding("gzip;q=0", true, true), "");
  EXPECT_EQ(StaticSite::choose_encoding("br", false, false), "");
}

TEST(StaticSite, ServesPrecompressedCopiesWithValidators) {
  TempSite t;
  t.write_app();
  auto site = StaticSite::load(t.dir);
  EXPECT_EQ(site->size(), 3u);  // the .br/.gz copies belong to their originals

  auto br = site->respond(request({{"accept-encoding", "gzip, br"}}), "");
  EXPECT_EQ(br.status, 200);
  EXPECT_EQ(br.body_view(), "BROTLI-INDEX");
  EXPECT_EQ(site_header(br, "Content-Encoding"), "br");
  EXPECT_EQ(site_header(br, "Vary"), "Accept-Encoding");
  EXPECT_EQ(site_header(br, "Cache-Control"), "no-cache");
  EXPECT_EQ(br.content_type, "text/html; charset=utf-8");
  const auto csp = site_header(br, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);

  auto gz = site->respond(request({{"accept-encoding", "gzip"}}), "");
  EXPECT_EQ(gz.body_view(), "GZIP-INDEX");
  EXPECT_EQ(site_header(gz, "Content-Encoding"), "gzip");
  auto plain = site->respond(request({}), "index.html");
  EXPECT_EQ(plain.body_view().substr(0, 15), "<!doctype html>");
  EXPECT_EQ(site_header(plain, "Content-Encoding"), "");

  const auto etag = site_header(plain, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(site_header(br, "ETag"), etag);
  auto again = site->respond(request({{"if-none-match", etag}, {"accept-encoding", "br"}}), "");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body_view().empty());
  EXPECT_EQ(site_header(again, "ETag"), etag);
  EXPECT_EQ(site->respond(request({{"if-none-match", "\"other\""}}), "").status, 200);

  // Hashed assets are cached for good; a file without a .br copy is sent gzip or plain.
  auto js = site->respond(request({{"accept-encoding", "br, gzip"}}), "assets/main-1a2b.js");
  EXPECT_EQ(js.body_view(), "GZIP-JS");
  EXPECT_EQ(site_header(js, "Content-Encoding"), "gzip");
  EXPECT_EQ(site_header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  auto svg = site->respond(request({{"accept-encoding", "br"}}), "favicon.svg");
  EXPECT_EQ(svg.body_view(), "<svg/>");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(site_header(svg, "Vary"), "");  // nothing to vary on
}

TEST(StaticSite, AppRoutesFallBackToIndexAndNothingElseIsServed) {
  TempSite t;
  t.write_app();
  auto site = StaticSite::load(t.dir);
  for (std::string_view route : {"kitchen", "counter", "dashboard"}) {
    auto res = site->respond(request({}), route);
    EXPECT_EQ(res.status, 200) << route;
    EXPECT_EQ(res.content_type, "text/html; charset=utf-8") << route;
    EXPECT_EQ(site_header(res, "Cache-Control"), "no-cache") << route;
  }
  // A missing file is a 404, not the app: a broken asset link must show as one.
  for (std::string_view missing :
       {"missing.png", "assets/nope.js", "assets/gone", "../index.html", ".hidden", "index.html.br",
        "a/../index.html", "kit chen", "%2e%2e"}) {
    auto res = site->respond(request({}), missing);
    EXPECT_EQ(res.status, 404) << missing;
    ASSERT_TRUE(res.error.has_value()) << missing;
  }
}

TEST(StaticSite, WithoutAnAppEveryPathIs404) {
  StaticSite none;
  auto res = none.respond(request({}), "");
  EXPECT_EQ(res.status, 404);
  ASSERT_TRUE(res.error.has_value());
  EXPECT_NE(res.error->message.find("CREMA_APP_DIR"), std::string::npos);
}

TEST(StaticSite, RefusesADirectoryThatIsNotAnApp) {
  TempSite t;
  EXPECT_THROW(StaticSite::load(t.dir), std::runtime_error);  // no index.html
  EXPECT_THROW(StaticSite::load(t.dir / "nowhere"), std::runtime_error);
}

TEST(StaticSite, MountsThreeGetRoutesServedFromMemory) {
  TempSite t;
  t.write_app();
  http::Router router;
  OpenApi openapi;
  register_static_routes(router, openapi, "/app", StaticSite::load(t.dir));
  for (std::string_view path :
       {"/app", "/app/", "/app/kitchen", "/app/favicon.svg", "/app/assets/main-1a2b.js"}) {
    auto m = router.match(http::Method::get, path);
    ASSERT_NE(m.route, nullptr) << path;
    EXPECT_FALSE(m.route->offload) << path;
    EXPECT_FALSE(m.route->rate_limited) << path;
    EXPECT_TRUE(m.route->access.is_public) << path;
    http::Request req;
    req.params = m.params;
    EXPECT_EQ(m.route->handler(req).status, 200) << path;
  }
  auto js = router.match(http::Method::get, "/app/assets/main-1a2b.js");
  http::Request req;
  req.params = js.params;
  EXPECT_EQ(js.route->handler(req).body_view(), "console.log(1)");
  EXPECT_EQ(router.match(http::Method::post, "/app").route, nullptr);
  // Only the mount has a trailing-slash twin.
  EXPECT_EQ(router.match(http::Method::get, "/app/kitchen/").route, nullptr);
  EXPECT_EQ(router.match(http::Method::get, "/app/assets/main-1a2b.js/").route, nullptr);
  EXPECT_NE(router.match(http::Method::head, "/app/").route, nullptr);
  EXPECT_NO_THROW(openapi.document(router));
}

}  // namespace
}  // namespace crema::api

#include "api/static_site.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "api/menu_cache.hpp"

namespace crema::api {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

std::string_view encoding_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool encoding_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string content_type_of(std::string_view name) {
  struct Type {
    std::string_view ext, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  };
  for (const auto& t : kTypes)
    if (ends_with(name, t.ext)) return std::string(t.type);
  return "application/octet-stream";
}

std::shared_ptr<const std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream out;
  out << in.rdbuf();
  return std::make_shared<const std::string>(std::move(out).str());
}

// One path segment that may name a file: no traversal, no hidden files, nothing odd.
bool plain_segment(std::string_view seg) {
  if (seg.empty() || seg.front() == '.') return false;
  for (char c : seg) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const StaticSite> StaticSite::load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(dir.string() + " is not a directory");
  auto site = std::make_shared<StaticSite>();
  std::size_t total = 0;
  std::map<std::string, std::shared_ptr<const std::string>, std::less<>> raw;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string rel = it->path().lexically_relative(dir).generic_string();
    auto bytes = read_file(it->path());
    total += bytes->size();
    if (total > kMaxTotalBytes)
      throw std::runtime_error(dir.string() + " holds more than " +
                               std::to_string(kMaxTotalBytes >> 20) + " MiB");
    raw.emplace(rel, std::move(bytes));
  }
  if (ec) throw std::runtime_error("cannot list " + dir.string() + ": " + ec.message());
  for (const auto& [rel, bytes] : raw) {
    if (ends_with(rel, ".br") || ends_with(rel, ".gz")) {
      // A compressed copy without its original is served as what it is.
      if (raw.count(rel.substr(0, rel.size() - 3)) > 0) continue;
    }
    File f;
    f.content_type = content_type_of(rel);
    f.etag = MenuCache::etag_of(*bytes);
    f.immutable = rel.rfind("assets/", 0) == 0;
    f.identity = bytes;
    if (auto br = raw.find(rel + ".br"); br != raw.end()) f.br = br->second;
    if (auto gz = raw.find(rel + ".gz"); gz != raw.end()) f.gzip = gz->second;
    site->files_.emplace(rel, std::move(f));
  }
  if (!site->find("index.html")) throw std::runtime_error(dir.string() + " has no index.html");
  return site;
}

const StaticSite::File* StaticSite::find(std::string_view rel) const {
  auto it = files_.find(rel);
  return it == files_.end() ? nullptr : &it->second;
}

std::string_view StaticSite::choose_encoding(std::string_view accept, bool has_br,
                                             bool has_gzip) noexcept {
  double q_br = 0, q_gzip = 0, q_star = 0;
  bool named_br = false, named_gzip = false;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    auto semi = item.find(';');
    std::string_view coding = encoding_trim(item.substr(0, semi));
    double q = 1;
    if (semi != std::string_view::npos) {
      std::string_view param = encoding_trim(item.substr(semi + 1));
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        // q = 0, 0.x, 1, 1.0 (RFC 9110 §12.4.2): three decimals at most.
        std::string_view v = param.substr(2);
        q = 0;
        if (!v.empty() && v[0] == '1') q = 1;
        if (v.size() > 2 && v[0] == '0' && v[1] == '.') {
          double scale = 0.1;
          for (std::size_t i = 2; i < v.size() && i < 5 && v[i] >= '0' && v[i] <= '9'; ++i) {
            q += (v[i] - '0') * scale;
            scale /= 10;
          }
        }
      }
    }
    if (encoding_iequals(coding, "br")) {
      q_br = q;
      named_br = true;
    } else if (encoding_iequals(coding, "gzip") || encoding_iequals(coding, "x-gzip")) {
      q_gzip = q;
      named_gzip = true;
    } else if (coding == "*") {
      q_star = q;
    }
  }
  // `*` stands for every coding the header does not name.
  if (!named_br) q_br = q_star;
  if (!named_gzip) q_gzip = q_star;
  if (!has_br) q_br = 0;
  if (!has_gzip) q_gzip = 0;
  if (q_br > 0 && q_br >= q_gzip) return "br";
  if (q_gzip > 0) return "gzip";
  return {};
}

http::Response StaticSite::send(const http::Request& req, const File& f) const {
  const auto accept = req.header("accept-encoding").value_or(std::string_view());
  const std::string_view enc = choose_encoding(accept, f.br != nullptr, f.gzip != nullptr);
  auto add_headers = [&](http::Response& res) {
    res.header("ETag", f.etag);
    res.header("Cache-Control", std::string(f.immutable ? kImmutable : kRevalidate));
    res.header("Content-Security-Policy", std::string(kPolicy));
    if (f.br || f.gzip) res.header("Vary", "Accept-Encoding");
  };
  if (auto inm = req.header("if-none-match"); inm && MenuCache::etag_matches(*inm, f.etag)) {
    http::Response res(304, {}, {});
    add_headers(res);
    return res;
  }
  http::Response res(200, {}, f.content_type);
  add_headers(res);
  if (enc == "br") {
    res.header("Content-Encoding", "br");
    res.shared_body = f.br;
  } else if (enc == "gzip") {
    res.header("Content-Encoding", "gzip");
    res.shared_body = f.gzip;
  } else {
    res.shared_body = f.identity;
  }
  return res;
}

http::Response StaticSite::respond(const http::Request& req, std::string_view rel) const {
  if (files_.empty())
    return http::Response::from(ErrorCode::not_found,
                                "The web app is not installed on this server (build it with "
                                "-DCREMA_WEB_APP=ON, or set CREMA_APP_DIR).");
  if (rel.empty()) return send(req, *find("index.html"));
  bool plain = true;
  for (std::string_view rest = rel; plain && !rest.empty();) {
    auto slash = rest.find('/');
    plain = plain_segment(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (plain) {
    if (const File* f = find(rel)) return send(req, *f);
  }
  // A route of the app (no extension, not an asset): the app itself answers it.
  const auto last = rel.substr(rel.rfind('/') == std::string_view::npos ? 0 : rel.rfind('/') + 1);
  if (plain && rel.rfind("assets/", 0) != 0 && last.find('.') == std::string_view::npos)
    return send(req, *find("index.html"));
  return http::Response::from(ErrorCode::not_found, "No such file.");
}

void register_static_routes(http::Router& router, OpenApi& openapi, std::string mount,
                            std::shared_ptr<const StaticSite> site) {
  (void)openapi;
  if (!site) site = std::make_shared<const StaticSite>();
  auto add = [&](std::string pattern, std::string_view summary,
                 std::function<std::string(const http::Request&)> rel, bool mount_itself = false) {
    router.add(
        {.method = http::Method::get,
         .pattern = std::move(pattern),
         .handler = [site, rel = std::move(rel)](
                        http::Request& req) { return site->respond(req, rel(req)); },
         .offload = false,
         .rate_limited = false,
         .trailing_slash = mount_itself,
         .doc = {.summary = summary,
                 .description = "Static files built from web/app, served from memory: Brotli or "
                                "gzip by Accept-Encoding, ETag and 304, hashed assets cached as "
                                "immutable. A path without an extension is a screen of the app "
                                "and answers index.html.",
                 .tag = "app",
                 .response_schema = R"({"type": "string"})",
                 .response_type = "text/html"}});
  };
  // `/app/` too: the address people type, and what a browser shows after `/app`'s links.
  add(
      mount, "The staff web app (index.html; also at the mount with a trailing slash)",
      [](const http::Request&) { return std::string(); }, true);
  add(mount + "/{page}", "A screen of the staff web app, or one of its top-level files",
      [](const http::Request& req) { return std::string(req.param("page")); });
  add(mount + "/assets/{file}", "A hashed asset of the staff web app (immutable)",
      [](const http::Request& req) { return "assets/" + std::string(req.param("file")); });
}

}  // namespace crema::api

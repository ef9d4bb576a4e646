#include "api/menu_cache.hpp"

#include <sodium.h>

#include "net/compression.hpp"
#include "util/time.hpp"

namespace crema::api {

namespace {

std::string_view trim_header_value(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view opaque(std::string_view tag) {
  tag = trim_header_value(tag);
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  return tag;
}

}  // namespace

void MenuCache::invalidate() noexcept {
  generation_.fetch_add(1);
  std::lock_guard lock(mutex_);
  entry_.reset();
}

std::shared_ptr<const MenuCache::Entry> MenuCache::fresh() const {
  std::shared_ptr<const Entry> e;
  {
    std::lock_guard lock(mutex_);
    e = entry_;
  }
  if (!e || e->generation != generation_.load()) return nullptr;
  if (e->expires_ms != 0 && util::now_ms() >= e->expires_ms) return nullptr;
  return e;
}

std::shared_ptr<const MenuCache::Entry> MenuCache::get_or_build(const Builder& build) {
  if (auto e = fresh()) return e;
  std::lock_guard build_lock(build_mutex_);
  if (auto e = fresh()) return e;  // built by the caller we waited for
  // Read the generation before the data: an invalidation during the build makes the
  // result stale, and then it is not kept.
  const auto generation = generation_.load();
  // The body's age counts from before its data was read, not from when the build ended:
  // a change committed during a slow build must not live a full max age after it.
  const auto read_at = util::now_ms();
  auto entry = std::make_shared<Entry>();
  entry->body = build();
  entry->etag = etag_of(entry->body);
  if (entry->body.size() >= http::kCompressMinBytes) {
    entry->br = http::compress(entry->body, http::Encoding::br, http::Effort::best);
    entry->gzip = http::compress(entry->body, http::Encoding::gzip, http::Effort::best);
  }
  entry->generation = generation;
  const auto max_age = max_age_ms_.load();
  entry->expires_ms = max_age > 0 ? read_at + max_age : 0;
  std::shared_ptr<const Entry> out = entry;
  if (generation == generation_.load()) {
    std::lock_guard lock(mutex_);
    entry_ = out;
  }
  return out;
}

http::Response MenuCache::respond(const http::Request& req, std::shared_ptr<const Entry> entry) {
  const bool variants = !entry->br.empty();
  auto encoding = http::Encoding::identity;
  if (variants)
    if (auto accept = req.header("accept-encoding")) encoding = http::choose_encoding(*accept);
  // A compressed copy is another representation: its validator is the weak form.
  const std::string etag = encoding == http::Encoding::identity ? entry->etag : "W/" + entry->etag;
  auto headers = [&](http::Response& res) {
    res.header("ETag", etag);
    res.header("Cache-Control", "no-cache");
    if (variants) res.header("Vary", "Accept-Encoding");
  };
  if (auto inm = req.header("if-none-match"); inm && etag_matches(*inm, entry->etag)) {
    http::Response res(304, {}, {});
    headers(res);
    return res;
  }
  http::Response res(200, {});
  headers(res);
  const std::string* body = &entry->body;
  if (encoding == http::Encoding::br) body = &entry->br;
  if (encoding == http::Encoding::gzip) body = &entry->gzip;
  if (encoding != http::Encoding::identity)
    res.header("Content-Encoding", std::string(http::encoding_name(encoding)));
  // The entry stays alive while the response is written (the aliasing pointer owns it).
  res.shared_body = std::shared_ptr<const std::string>(std::move(entry), body);
  return res;
}

std::string MenuCache::etag_of(std::string_view body) {
  static const int sodium_ready = sodium_init();  // idempotent; picks the fastest BLAKE2b
  (void)sodium_ready;
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(body.data()),
                     body.size(), nullptr, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"m-";
  for (unsigned char b : hash) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  out += '"';
  return out;
}

bool MenuCache::etag_matches(std::string_view header, std::string_view etag) noexcept {
  if (trim_header_value(header) == "*") return true;
  const auto want = opaque(etag);
  while (!header.empty()) {
    auto comma = header.find(',');
    if (opaque(header.substr(0, comma)) == want) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace crema::api

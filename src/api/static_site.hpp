#pragma once
/// A directory of static files (a built single-page app) served from memory under a mount
/// path: read once at start, with the Brotli and gzip copies the build made beside each file
/// (`x.js.br`, `x.js.gz`) chosen by Accept-Encoding. Names under `assets/` carry a content
/// hash, so they are cached for good (`immutable`); everything else is revalidated with its
/// ETag. A path that names no file and has no extension is a route of the app itself
/// (history API), answered with index.html.
///
/// Nothing here knows which app it serves: it is mounted by register_static_routes.

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api/openapi.hpp"
#include "net/router.hpp"

namespace crema::api {

class StaticSite {
 public:
  struct File {
    std::string content_type;
    std::string etag;        ///< quoted strong validator of the identity bytes
    bool immutable = false;  ///< a hashed asset name: cached for a year, never revalidated
    std::shared_ptr<const std::string> identity;
    std::shared_ptr<const std::string> br;  ///< precompressed copies, when the build made them
    std::shared_ptr<const std::string> gzip;
  };

  /// The largest site loaded (all files and their compressed copies together).
  static constexpr std::size_t kMaxTotalBytes = 64u << 20;

  /// Reads every regular file under `dir` (relative names with '/'). Throws
  /// std::runtime_error when the directory cannot be read, holds no index.html or is too big.
  static std::shared_ptr<const StaticSite> load(const std::filesystem::path& dir);

  /// A site with no files: its routes answer 404 (the app was not built or not found).
  StaticSite() = default;

  bool empty() const noexcept { return files_.empty(); }
  std::size_t size() const noexcept { return files_.size(); }
  /// The file at a relative path ("index.html", "assets/index-3f2a.js"), or nullptr.
  const File* find(std::string_view rel) const;

  /// The answer for a path below the mount point ("" for the mount point itself): the file,
  /// index.html for an app route, or 404. Honours If-None-Match (304) and Accept-Encoding.
  http::Response respond(const http::Request& req, std::string_view rel) const;

  /// The Content-Security-Policy sent with every file: the app's own scripts and styles only,
  /// no inline script, API and WebSocket calls to this origin only.
  static constexpr std::string_view kPolicy =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
      "font-src 'self'; connect-src 'self'; manifest-src 'self'; media-src 'self'; "
      "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  /// Which stored encoding an Accept-Encoding header prefers: "br", "gzip" or "" (identity).
  /// q-values are honoured (`br;q=0` refuses Brotli); Brotli wins a tie.
  static std::string_view choose_encoding(std::string_view accept_encoding, bool has_br,
                                          bool has_gzip) noexcept;

 private:
  http::Response send(const http::Request& req, const File& f) const;
  std::map<std::string, File, std::less<>> files_;
};

/// Mounts `site` at `mount` (e.g. "/app"): GET `mount`, `mount/{page}` and
/// `mount/assets/{file}`, served from memory on the I/O thread, not rate limited.
void register_static_routes(http::Router& router, OpenApi& openapi, std::string mount,
                            std::shared_ptr<const StaticSite> site);

}  // namespace crema::api

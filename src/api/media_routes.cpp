#include "api/media_routes.hpp"

#include <charconv>

#include "util/time.hpp"

namespace crema::api {

using http::Request;
using http::Response;

namespace {

Response serve_media(Request& req, MediaContext& ctx) {
  const std::string_view key = req.param("key");
  auto exp_text = req.query_param("exp");
  auto sig = req.query_param("sig");
  std::int64_t exp = 0;
  bool parsed = false;
  if (exp_text) {
    auto [p, ec] = std::from_chars(exp_text->data(), exp_text->data() + exp_text->size(), exp);
    parsed = ec == std::errc() && p == exp_text->data() + exp_text->size();
  }
  const std::int64_t now = util::now_ms() / 1000;
  if (!parsed || !sig || !media::valid_key(key) || !ctx.signer.verify(key, exp, *sig, now))
    return Response::from(ErrorCode::forbidden, "The link is not valid or has expired.");
  auto object = ctx.store.get(key);
  if (!object) return Response::from(ErrorCode::not_found, "No such image.");
  Response res(200, std::move(object->bytes), std::move(object->content_type));
  // The URL carries its expiry, so caches may keep the bytes until then.
  res.header("Cache-Control", "public, max-age=" + std::to_string(exp - now) + ", immutable");
  return res;
}

}  // namespace

void register_media_routes(http::Router& router, OpenApi&, std::shared_ptr<MediaContext> ctx) {
  router.add({.method = http::Method::get,
              .pattern = "/api/v1/media/{key}",
              .handler = [ctx](Request& req) { return serve_media(req, *ctx); },
              .doc = {.summary = "An image, by the signed URL a product gave out (403 when the "
                                 "signature is bad or expired)",
                      .tag = "catalogue",
                      .response_schema = R"({"type": "string", "format": "binary"})",
                      // The upload as it came (its type checked by its bytes) and the WebP
                      // thumbnail and web copy made from it.
                      .response_type = "image/webp",
                      .more_response_types = {"image/jpeg", "image/png"},
                      .query = {{.name = "exp",
                                 .type = "integer",
                                 .description = "expiry, Unix seconds",
                                 .required = true},
                                {.name = "sig", .description = "the signature", .required = true}},
                      .errors = {403}}});
}

}  // namespace crema::api

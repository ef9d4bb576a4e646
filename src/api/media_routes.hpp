#pragma once
/// GET /api/v1/media/{key}: the bytes of an image for anyone holding a signed URL (SPEC §4);
/// a missing, bad or expired signature is 403.

#include <memory>

#include "api/openapi.hpp"
#include "media/object_store.hpp"
#include "media/url_signer.hpp"
#include "net/router.hpp"

namespace crema::api {

struct MediaContext {
  media::ObjectStore& store;
  const media::UrlSigner& signer;
};

/// Registers the route; `ctx` may be null when only the route table is wanted.
void register_media_routes(http::Router& router, OpenApi& openapi,
                           std::shared_ptr<MediaContext> ctx);

}  // namespace crema::api

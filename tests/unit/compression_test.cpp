// Response compression (SPEC §13, net/compression.hpp): which coding an Accept-Encoding asks
// for, the codings round-trip through the decoders clients use, and what compress_response
// does with each kind of answer; the cached menu's copies compressed once per build.

#include <string>

#include <gtest/gtest.h>

#include "api/menu_cache.hpp"
#include "net/compression.hpp"
#include "support/decompress.hpp"

namespace crema::http {
namespace {

std::string json_body(std::size_t approx) {
  std::string s = "{\"items\":[";
  for (std::size_t i = 0; s.size() < approx; ++i)
    s += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) + ",\"name\":\"Croissant\"}";
  return s + "]}";
}

Request asking(std::string_view accept_encoding) {
  Request req;
  if (!accept_encoding.empty()) req.headers.emplace_back("Accept-Encoding", accept_encoding);
  return req;
}

std::string header(const Response& res, std::string_view name) {
  std::string out;
  for (const auto& [n, v] : res.headers)
    if (n == name) out += (out.empty() ? "" : ", ") + v;
  return out;
}

TEST(Compression, BrotliIsPreferredThenGzipAsTheHeaderAllows) {
  EXPECT_EQ(choose_encoding("gzip, deflate, br"), Encoding::br);  // browsers
  EXPECT_EQ(choose_encoding("br;q=1.0, gzip;q=0.8, *;q=0.1"), Encoding::br);
  EXPECT_EQ(choose_encoding("gzip"), Encoding::gzip);
  EXPECT_EQ(choose_encoding("GZIP"), Encoding::gzip);
  EXPECT_EQ(choose_encoding("x-gzip"), Encoding::gzip);
  EXPECT_EQ(choose_encoding("gzip;q=1, br;q=0.5"), Encoding::gzip);  // the client's order
  EXPECT_EQ(choose_encoding("br;q=0, gzip"), Encoding::gzip);
  EXPECT_EQ(choose_encoding("*"), Encoding::br);
  EXPECT_EQ(choose_encoding("*;q=0"), Encoding::identity);
  EXPECT_EQ(choose_encoding("identity"), Encoding::identity);
  EXPECT_EQ(choose_encoding("deflate"), Encoding::identity);
  EXPECT_EQ(choose_encoding(""), Encoding::identity);
  EXPECT_EQ(choose_encoding("br;q=2, gzip;q=abc"), Encoding::identity);  // malformed: ignored
  EXPECT_EQ(choose_encoding(" br ; q=0.001 "), Encoding::br);
}

TEST(Compression, BothCodingsRoundTripAndShrinkJson) {
  const auto body = json_body(20000);
  for (auto e : {Encoding::br, Encoding::gzip}) {
    for (auto effort : {Effort::fast, Effort::best}) {
      const auto packed = compress(body, e, effort);
      EXPECT_LT(packed.size(), body.size() / 5) << encoding_name(e);
      EXPECT_EQ(test::decode_body(encoding_name(e), packed), body) << encoding_name(e);
    }
  }
  EXPECT_EQ(compress(body, Encoding::identity), body);
  EXPECT_EQ(test::decode_body("br", compress("", Encoding::br)), "");
}

TEST(Compression, LargeJsonAnswersAreCompressedForClientsThatAsk) {
  const auto body = json_body(4000);
  Response res(200, body);
  compress_response(asking("gzip, br"), res);
  EXPECT_EQ(header(res, "Content-Encoding"), "br");
  EXPECT_EQ(header(res, "Vary"), "Accept-Encoding");
  EXPECT_EQ(test::decode_body("br", res.body_view()), body);

  Response gz(201, body, "application/problem+json");
  compress_response(asking("gzip"), gz);
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(test::decode_body("gzip", gz.body_view()), body);

  // A shared body (a cache's) is compressed into the response's own.
  Response shared(200, {});
  shared.shared_body = std::make_shared<const std::string>(body);
  compress_response(asking("br"), shared);
  EXPECT_EQ(shared.shared_body, nullptr);
  EXPECT_EQ(test::decode_body("br", shared.body_view()), body);

  // Not asked: sent as it is, but the answer still depends on the header.
  Response plain(200, body);
  compress_response(asking(""), plain);
  EXPECT_EQ(plain.body, body);
  EXPECT_EQ(header(plain, "Content-Encoding"), "");
  EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding");
}

TEST(Compression, SmallOtherOrBodilessAnswersAreLeftAlone) {
  Response small(200, json_body(900));
  compress_response(asking("br"), small);
  EXPECT_EQ(header(small, "Content-Encoding"), "");
  EXPECT_EQ(header(small, "Vary"), "");
  Response csv(200, std::string(5000, 'a'), "text/csv; charset=utf-8");
  compress_response(asking("br"), csv);
  EXPECT_EQ(header(csv, "Content-Encoding"), "");
  Response image(200, std::string(5000, 'a'), "image/webp");
  compress_response(asking("br"), image);
  EXPECT_EQ(header(image, "Content-Encoding"), "");
  Response not_modified(304, {}, {});
  compress_response(asking("br"), not_modified);
  EXPECT_TRUE(not_modified.headers.empty());
  Response encoded(200, json_body(4000));
  encoded.header("Content-Encoding", "gzip");
  compress_response(asking("br"), encoded);
  EXPECT_EQ(header(encoded, "Content-Encoding"), "gzip");
  // A streamed body is sent as produced, even JSON: chunks are not compressed one by one.
  Response streamed(200, json_body(4000));
  streamed.stream = [](ChunkSink&) {};
  compress_response(asking("br"), streamed);
  EXPECT_EQ(header(streamed, "Content-Encoding"), "");
  EXPECT_EQ(streamed.body, json_body(4000));
}

TEST(Compression, TheCachedMenuIsCompressedOnceAndServedAsAsked) {
  api::MenuCache cache;
  const auto body = json_body(8000);
  int builds = 0;
  auto e = cache.get_or_build([&] {
    ++builds;
    return body;
  });
  ASSERT_FALSE(e->br.empty());
  ASSERT_FALSE(e->gzip.empty());
  EXPECT_EQ(test::decode_body("br", e->br), body);
  EXPECT_EQ(test::decode_body("gzip", e->gzip), body);

  auto br = api::MenuCache::respond(asking("gzip, deflate, br"), e);
  EXPECT_EQ(br.status, 200);
  EXPECT_EQ(br.shared_body.get(), &e->br);  // the copy made at build time, not a new one
  EXPECT_EQ(header(br, "Content-Encoding"), "br");
  EXPECT_EQ(header(br, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(br, "ETag"), "W/" + e->etag);
  auto gz = api::MenuCache::respond(asking("gzip"), e);
  EXPECT_EQ(gz.shared_body.get(), &e->gzip);
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  auto plain = api::MenuCache::respond(asking(""), e);
  EXPECT_EQ(plain.shared_body.get(), &e->body);
  EXPECT_EQ(header(plain, "ETag"), e->etag);
  EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding");
  // compress_response leaves the cache's choice alone.
  compress_response(asking("br"), plain);
  EXPECT_EQ(plain.shared_body.get(), &e->body);
  EXPECT_EQ(header(plain, "Vary"), "Accept-Encoding");
  // Either validator revalidates either copy.
  Request inm = asking("br");
  const std::string weak = "W/" + e->etag;
  inm.headers.emplace_back("If-None-Match", weak);
  auto not_modified = api::MenuCache::respond(inm, e);
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(header(not_modified, "Vary"), "Accept-Encoding");
  for (int i = 0; i < 5; ++i)
    api::MenuCache::respond(asking("br"), cache.get_or_build([&] {
      ++builds;
      return body;
    }));
  EXPECT_EQ(builds, 1);  // compressed once per build, not per request
}

}  // namespace
}  // namespace crema::http

// Images and their URLs without a server: type sniffing by bytes, multipart bodies, signed
// expiring URLs, object keys, and the libvips copies.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/multipart.hpp"
#include "domain/image.hpp"
#include "media/image_processor.hpp"
#include "media/object_store.hpp"
#include "media/url_signer.hpp"
#include "support/scratch_dir.hpp"
#include "support/test_images.hpp"

namespace crema {
namespace {

using namespace std::string_literals;

TEST(ImageSniffing, TheBytesDecideNotTheName) {
  EXPECT_EQ(domain::sniff_image("\xFF\xD8\xFF\xE0rest"s), domain::ImageType::jpeg);
  EXPECT_EQ(domain::sniff_image("\x89PNG\r\n\x1A\n...."s), domain::ImageType::png);
  EXPECT_EQ(domain::sniff_image("RIFF\x10\0\0\0WEBPVP8 "s), domain::ImageType::webp);
  EXPECT_EQ(domain::sniff_image("RIFF\x10\0\0\0WAVEfmt "s), std::nullopt);
  EXPECT_EQ(domain::sniff_image("GIF89a"), std::nullopt);
  EXPECT_EQ(domain::sniff_image("<svg xmlns=…>"), std::nullopt);
  EXPECT_EQ(domain::sniff_image(""), std::nullopt);
  EXPECT_EQ(domain::sniff_image("\xFF\xD8"s), std::nullopt);
  EXPECT_EQ(domain::sniff_image(test::make_image(4, 4, "jpeg")), domain::ImageType::jpeg);
  EXPECT_EQ(domain::sniff_image(test::make_image(4, 4, "webp")), domain::ImageType::webp);
}

TEST(Multipart, FindsThePartsAndTheirBytes) {
  const std::string ct = "multipart/form-data; boundary=\"----x;y\"";
  auto boundary = api::multipart_boundary(ct);
  ASSERT_EQ(boundary, "----x;y");
  const std::string bin = "\x89PNG\r\n\x1A\n\r\n--not-it\r\n\0tail"s;
  const std::string body = "preamble\r\n------x;y\r\n"
                           "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
                           "hello\r\n------x;y\r\n"
                           "Content-Disposition: form-data; filename=\"a;name=b.png\"; name=\"image\"\r\n"
                           "Content-Type: image/png\r\n\r\n" +
                           bin + "\r\n------x;y--\r\nepilogue";
  auto parts = api::parse_multipart(body, *boundary);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "note");
  EXPECT_EQ((*parts)[0].body, "hello");
  EXPECT_EQ((*parts)[1].name, "image");
  EXPECT_EQ((*parts)[1].filename, "a;name=b.png");
  EXPECT_EQ((*parts)[1].content_type, "image/png");
  EXPECT_EQ((*parts)[1].body, bin);
}

TEST(Multipart, RefusesMalformedBodies) {
  EXPECT_EQ(api::multipart_boundary("image/png"), std::nullopt);
  EXPECT_EQ(api::multipart_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(api::multipart_boundary("multipart/form-data; boundary=\"open"), std::nullopt);
  EXPECT_EQ(api::multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'b')),
            std::nullopt);
  EXPECT_EQ(api::parse_multipart("no delimiter at all", "b"), std::nullopt);
  // No closing delimiter.
  EXPECT_EQ(api::parse_multipart("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv", "b"),
            std::nullopt);
  // Headers never end.
  EXPECT_EQ(api::parse_multipart("--b\r\nContent-Disposition: form-data", "b"), std::nullopt);
  auto empty = api::parse_multipart("--b--\r\n", "b");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(UrlSigner, SignsKeyAndExpiryAndRefusesAnythingElse) {
  media::UrlSigner signer("a jwt secret of at least thirty-two bytes");
  const std::int64_t exp = 1'800'000'000;
  const auto sig = signer.sign("abc-web.webp", exp);
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(signer.verify("abc-web.webp", exp, sig, exp - 1));
  EXPECT_FALSE(signer.verify("abc-web.webp", exp, sig, exp));          // expired
  EXPECT_FALSE(signer.verify("abc-thumb.webp", exp, sig, exp - 1));    // another key
  EXPECT_FALSE(signer.verify("abc-web.webp", exp + 3600, sig, exp - 1));  // extended
  std::string flipped = sig;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(signer.verify("abc-web.webp", exp, flipped, exp - 1));
  EXPECT_FALSE(signer.verify("abc-web.webp", exp, sig.substr(1), exp - 1));
  media::UrlSigner other("another secret of at least thirty-two bytes");
  EXPECT_FALSE(other.verify("abc-web.webp", exp, sig, exp - 1));
}

TEST(UrlSigner, ExpiriesAreWholeHoursAtLeastAnHourAhead) {
  EXPECT_EQ(media::UrlSigner::expiry_for(0), 3600);
  EXPECT_EQ(media::UrlSigner::expiry_for(1), 7200);
  EXPECT_EQ(media::UrlSigner::expiry_for(3600), 7200);
  EXPECT_EQ(media::UrlSigner::expiry_for(3599), 7200);
  media::UrlSigner signer("s");
  // The same URL for an hour: a cached menu keeps its ETag.
  EXPECT_EQ(signer.url("k.webp", 10), signer.url("k.webp", 3599));
  EXPECT_NE(signer.url("k.webp", 3599), signer.url("k.webp", 3601));
  EXPECT_EQ(signer.url("k.webp", 10).rfind("/api/v1/media/k.webp?exp=7200&sig=", 0), 0u);
}

TEST(ObjectStore, KeysCannotLeaveTheDirectory) {
  EXPECT_TRUE(media::valid_key("0190-web.webp"));
  EXPECT_FALSE(media::valid_key("../etc/passwd"));
  EXPECT_FALSE(media::valid_key("a/b"));
  EXPECT_FALSE(media::valid_key(".hidden"));
  EXPECT_FALSE(media::valid_key(""));
  EXPECT_FALSE(media::valid_key(std::string(201, 'a')));
  test::ScratchDir dir;
  media::FileObjectStore store(dir.file("media"));
  store.put("x-original.png", "bytes", "image/png");
  auto got = store.get("x-original.png");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, "bytes");
  EXPECT_EQ(got->content_type, "image/png");
  EXPECT_FALSE(store.get("missing.png"));
  store.remove("x-original.png");
  EXPECT_FALSE(store.get("x-original.png"));
  EXPECT_THROW(store.put("../x", "b", "image/png"), std::invalid_argument);
}

TEST(ImageProcessor, WebpCopiesAreBoundedAndNeverEnlarged) {
  const auto png = test::make_image(2400, 1200, "png");
  auto info = media::probe_image(png);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->width, 2400);
  EXPECT_EQ(info->height, 1200);
  const auto web = media::webp_copy(png, 1600, 82);
  EXPECT_EQ(domain::sniff_image(web), domain::ImageType::webp);
  auto web_info = media::probe_image(web);
  ASSERT_TRUE(web_info);
  EXPECT_EQ(web_info->width, 1600);
  EXPECT_EQ(web_info->height, 800);
  auto thumb_info = media::probe_image(media::webp_copy(png, 320, 80));
  ASSERT_TRUE(thumb_info);
  EXPECT_EQ(thumb_info->width, 320);
  EXPECT_EQ(thumb_info->height, 160);
  // A portrait image is bounded by its height; a small one stays as it is.
  auto tall = media::probe_image(media::webp_copy(test::make_image(300, 900, "jpeg"), 320, 80));
  ASSERT_TRUE(tall);
  EXPECT_EQ(tall->height, 320);
  auto small = media::probe_image(media::webp_copy(test::make_image(100, 50, "png"), 320, 80));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->width, 100);
  EXPECT_FALSE(media::probe_image("\x89PNG\r\n\x1A\ngarbage"s));
  EXPECT_THROW(media::webp_copy("\xFF\xD8\xFFnot a jpeg"s, 320, 80), std::runtime_error);
}

}  // namespace
}  // namespace crema

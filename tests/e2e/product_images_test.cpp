// Black-box tests of product images (SPEC §4): multipart and raw uploads checked by their
// bytes, the 10 MiB limit, the copies made in the background (320 px thumbnail, 1600 px
// WebP), and GET /media/{key} behind signed, expiring URLs.

#include <chrono>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "domain/image.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "media/image_processor.hpp"
#include "media/url_signer.hpp"
#include "support/auth_helper.hpp"
#include "support/scratch_dir.hpp"
#include "support/test_images.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class ProductImages : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    media_ = std::make_unique<ScratchDir>();
    shared_ = SharedServer::start(identity_server({{"CREMA_MEDIA_DIR", media_->file("media")}}));
  }
  static void TearDownTestSuite() {
    auth_.reset();
    shared_.reset();
    media_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    if (!auth_) auth_ = std::make_unique<AuthHelper>(*shared_->server);
    client_ = client_for(*shared_->server);
    if (product_.empty()) {
      auto res = client_->post("/api/v1/products",
                               R"({"name":"Photo tart","category":"Photos","price":4})",
                               auth_->bearer("manager"));
      ASSERT_EQ(res.status, 201) << res.describe();
      product_ = std::string(res.object().at("id").as_string());
    }
  }
  std::string images_path() const { return "/api/v1/products/" + product_ + "/images"; }
  // The product's image of this id as GET returns it, once its copies are ready.
  json::object wait_ready(const std::string& image_id) {
    for (int i = 0; i < 200; ++i) {
      auto res = client_->get("/api/v1/products/" + product_);
      for (const auto& img : res.object().at("images").as_array())
        if (img.at("id").as_string() == image_id && img.at("status") == "ready")
          return img.as_object();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "image " << image_id << " never became ready";
    return {};
  }

  static std::unique_ptr<ScratchDir> media_;
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  static std::string product_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<ScratchDir> ProductImages::media_;
std::unique_ptr<SharedServer> ProductImages::shared_;
std::unique_ptr<AuthHelper> ProductImages::auth_;
std::string ProductImages::product_;

TEST_F(ProductImages, MultipartUploadGetsAThumbnailAndAWebCopyBehindSignedUrls) {
  const std::string png = make_image(2400, 1600, "png");
  const std::string boundary = "crema-test-boundary";
  const std::string body = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"tart.txt\"\r\n"
                           "Content-Type: text/plain\r\n\r\n" +
                           png + "\r\n--" + boundary + "--\r\n";
  auto res = client_->request("POST", images_path(), body,
                              {{"Content-Type", "multipart/form-data; boundary=" + boundary},
                               {"Authorization", "Bearer " + auth_->token("manager")}});
  ASSERT_EQ(res.status, 201) << res.describe();
  const std::string id(res.object().at("id").as_string());
  EXPECT_FALSE(res.object().at("url").as_string().empty());
  EXPECT_FALSE(res.object().at("thumbnail_url").as_string().empty());

  auto img = wait_ready(id);
  ASSERT_FALSE(img.empty());
  auto web = client_->get(std::string(img.at("url").as_string()));
  ASSERT_EQ(web.status, 200) << web.describe();
  EXPECT_EQ(web.header("Content-Type"), "image/webp");
  EXPECT_EQ(domain::sniff_image(web.body), domain::ImageType::webp);
  auto web_size = media::probe_image(web.body);
  ASSERT_TRUE(web_size);
  EXPECT_EQ(web_size->width, 1600);
  EXPECT_EQ(web_size->height, 1067);
  auto thumb = client_->get(std::string(img.at("thumbnail_url").as_string()));
  ASSERT_EQ(thumb.status, 200);
  auto thumb_size = media::probe_image(thumb.body);
  ASSERT_TRUE(thumb_size);
  EXPECT_EQ(thumb_size->width, 320);
  EXPECT_EQ(thumb_size->height, 213);

  // The menu shows the image too (its cache was invalidated when the copies were made).
  auto menu = client_->get("/api/v1/menu");
  bool listed = false;
  for (const auto& c : menu.object().at("categories").as_array())
    for (const auto& p : c.at("items").as_array())
      if (p.at("id").as_string() == product_)
        for (const auto& i : p.at("images").as_array())
          listed = listed || (i.at("id").as_string() == id && i.at("status") == "ready");
  EXPECT_TRUE(listed) << menu.body;
}

TEST_F(ProductImages, RawBodiesAreCheckedByTheirBytes) {
  // A JPEG declared as PNG is accepted as the JPEG it is.
  auto jpeg = client_->request("POST", "/api/v1/menu/items/" + product_ + "/images",
                               make_image(200, 100, "jpeg"),
                               {{"Content-Type", "image/png"},
                                {"Authorization", "Bearer " + auth_->token("admin")}});
  ASSERT_EQ(jpeg.status, 201) << jpeg.describe();
  EXPECT_EQ(jpeg.object().at("width"), 200);
  // Text declared as an image is refused.
  auto text = client_->request("POST", images_path(), "this is not an image at all",
                               {{"Content-Type", "image/png"},
                                {"Authorization", "Bearer " + auth_->token("manager")}});
  EXPECT_ERROR(text, 415, "unsupported_media_type");
  // A PNG header with nothing decodable behind it.
  auto broken = client_->request("POST", images_path(), std::string("\x89PNG\r\n\x1A\nbroken", 14),
                                 {{"Content-Type", "image/png"},
                                  {"Authorization", "Bearer " + auth_->token("manager")}});
  EXPECT_ERROR(broken, 422, "validation_failed");
  // Another declared type is refused before anything is read.
  auto gif = client_->request("POST", images_path(), "GIF89a",
                              {{"Content-Type", "image/gif"},
                               {"Authorization", "Bearer " + auth_->token("manager")}});
  EXPECT_ERROR(gif, 415, "unsupported_media_type");
  // A multipart form without the field.
  auto no_field = client_->request(
      "POST", images_path(),
      "--b\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nx\r\n--b--\r\n",
      {{"Content-Type", "multipart/form-data; boundary=b"},
       {"Authorization", "Bearer " + auth_->token("manager")}});
  EXPECT_ERROR(no_field, 422, "validation_failed");
  EXPECT_ERROR(client_->request("POST", "/api/v1/products/01900000-0000-7000-8000-0000000000ee/images",
                                make_image(10, 10, "png"),
                                {{"Content-Type", "image/png"},
                                 {"Authorization", "Bearer " + auth_->token("manager")}}),
               404, "not_found");
}

TEST_F(ProductImages, UploadsAreForManagersAndAtMostTenMebibytes) {
  const std::string png = make_image(10, 10, "png");
  for (const char* role : {"customer", "staff"}) {
    auto res = client_->request("POST", images_path(), png,
                                {{"Content-Type", "image/png"},
                                 {"Authorization", "Bearer " + auth_->token(role)}});
    EXPECT_ERROR(res, 403, "forbidden");
  }
  auto anonymous = client_->request("POST", images_path(), png, {{"Content-Type", "image/png"}});
  EXPECT_EQ(anonymous.status, 401) << anonymous.describe();
  // Just over 10 MiB: refused from Content-Length (the connection is closed after).
  RawConnection raw(shared_->server->host(), shared_->server->port());
  const std::string authorization = "Authorization: Bearer " + auth_->token("manager");
  // By hand: make_request would add its own Content-Length.
  raw.send("POST " + images_path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n" +
           "Content-Length: 10485761\r\n" + authorization + "\r\n\r\n");
  auto res = raw.read_response(std::chrono::seconds(5));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413) << res->describe();
}

TEST_F(ProductImages, MediaNeedsAValidUnexpiredSignature) {
  auto up = client_->request("POST", images_path(), make_image(64, 64, "png"),
                             {{"Content-Type", "image/png"},
                              {"Authorization", "Bearer " + auth_->token("manager")}});
  ASSERT_EQ(up.status, 201) << up.describe();
  auto img = wait_ready(std::string(up.object().at("id").as_string()));
  ASSERT_FALSE(img.empty());
  const std::string url(img.at("thumbnail_url").as_string());
  ASSERT_EQ(client_->get(url).status, 200);
  const auto q = url.find('?');
  const std::string path = url.substr(0, q);
  const std::string key = path.substr(path.rfind('/') + 1);

  std::string tampered = url;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_ERROR(client_->get(tampered), 403, "forbidden");
  EXPECT_ERROR(client_->get(path), 403, "forbidden");
  EXPECT_ERROR(client_->get(path + "?exp=abc&sig=00"), 403, "forbidden");
  // Signed with the server's secret (the test knows it) but already expired.
  media::UrlSigner signer(kE2eJwtSecret);
  const std::int64_t past = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() -
                            10;
  EXPECT_ERROR(client_->get(path + "?exp=" + std::to_string(past) + "&sig=" + signer.sign(key, past)),
               403, "forbidden");
  // A valid signature for a key that holds nothing.
  const std::int64_t future = past + 7200;
  EXPECT_ERROR(client_->get("/api/v1/media/nothing-here.webp?exp=" + std::to_string(future) +
                            "&sig=" + signer.sign("nothing-here.webp", future)),
               404, "not_found");
  // And a valid one made by hand works like the server's.
  EXPECT_EQ(client_->get(path + "?exp=" + std::to_string(future) + "&sig=" + signer.sign(key, future))
                .status,
            200);
}

}  // namespace
}  // namespace crema::test::e2e

// Product images on the store under test: upload, background copies, failure, and the
// worker picking up images left pending (a restart).
#include <chrono>
#include <thread>

#include "db/catalogue_fixture.hpp"
#include "jobs/image_worker.hpp"
#include "media/image_processor.hpp"
#include "media/object_store.hpp"
#include "repo/image_repo.hpp"
#include "service/product_images.hpp"
#include "support/scratch_dir.hpp"
#include "support/test_images.hpp"

namespace crema::test {
namespace {

class ProductImagesTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    store_.emplace(scratch_.file("media"));
    images_.emplace(*pool_, *store_, bus_);
    service::CatalogueService catalogue(*pool_, bus_);
    service::ProductInput in;
    in.name = "Photo bun";
    in.category = "Buns";
    in.price = 300;
    product_ = catalogue.create(manager_, in)->id;
  }
  domain::ProductImage image(const std::string& id) {
    auto lease = pool_->read();
    return *repo::find_image(*lease, id);
  }
  ScratchDir scratch_;
  std::optional<media::FileObjectStore> store_;
  std::optional<service::ProductImageService> images_;
  std::string product_;
};

TEST_F(ProductImagesTest, UploadThenCopies) {
  std::vector<std::string> queued;
  images_->set_enqueue([&](const std::string& id) { queued.push_back(id); });
  clear_events();
  auto img = images_->add(manager_, product_, make_image(1000, 500, "jpeg"));
  ASSERT_TRUE(img.ok()) << img.error().message;
  EXPECT_EQ(img->status, domain::ProductImage::Status::pending);
  EXPECT_EQ(img->content_type, "image/jpeg");
  EXPECT_EQ(img->original_key, img->id + "-original.jpg");
  ASSERT_EQ(queued, std::vector<std::string>{img->id});
  EXPECT_TRUE(store_->get(img->original_key));
  EXPECT_EQ(events_of("menu_updated").size(), 1u);

  images_->process(img->id);
  auto done = image(img->id);
  EXPECT_EQ(done.status, domain::ProductImage::Status::ready);
  auto thumb = store_->get(done.thumbnail_key);
  auto web = store_->get(done.web_key);
  ASSERT_TRUE(thumb && web);
  EXPECT_EQ(media::probe_image(thumb->bytes)->width, 320);
  EXPECT_EQ(media::probe_image(web->bytes)->width, 1000);  // never enlarged
  EXPECT_EQ(events_of("menu_updated").size(), 2u);
  images_->process(img->id);  // not pending any more: nothing happens
  EXPECT_EQ(events_of("menu_updated").size(), 2u);

  // The product carries it, second in order after a second upload.
  auto second = images_->add(manager_, product_, make_image(10, 10, "png"));
  ASSERT_TRUE(second.ok());
  auto p = service::CatalogueService(*pool_, bus_).get(product_, false);
  ASSERT_EQ(p->images.size(), 2u);
  EXPECT_EQ(p->images[0].id, img->id);
  EXPECT_EQ(p->images[1].position, 1);
}

TEST_F(ProductImagesTest, RefusalsStoreNothing) {
  auto text = images_->add(manager_, product_, "plain text");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, ErrorCode::unsupported_media_type);
  auto missing = images_->add(manager_, util::new_uuid_v7(), make_image(10, 10));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_EQ(count("product_images"), 0);
  EXPECT_FALSE(std::filesystem::exists(scratch_.file("media")) &&
               !std::filesystem::is_empty(scratch_.file("media")));
}

TEST_F(ProductImagesTest, AnUndecodableOriginalFailsAndIsNotShown) {
  auto img = images_->add(manager_, product_, make_image(50, 50, "png"));
  ASSERT_TRUE(img.ok());
  store_->put(img->original_key, "\x89PNG\r\n\x1A\ntruncated", "image/png");
  images_->process(img->id);
  EXPECT_EQ(image(img->id).status, domain::ProductImage::Status::failed);
  auto p = service::CatalogueService(*pool_, bus_).get(product_, false);
  EXPECT_TRUE(p->images.empty());
}

TEST_F(ProductImagesTest, TheWorkerPicksUpImagesLeftPending) {
  // Uploaded while no worker listened (say, before a restart).
  auto img = images_->add(manager_, product_, make_image(400, 400, "webp"));
  ASSERT_TRUE(img.ok());
  jobs::ImageWorker worker(*images_);
  worker.start();
  for (int i = 0; i < 100 && image(img->id).status == domain::ProductImage::Status::pending; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(image(img->id).status, domain::ProductImage::Status::ready);
  worker.stop();
}

}  // namespace
}  // namespace crema::test

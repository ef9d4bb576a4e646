#pragma once
/// The background thread that makes product images' copies (SPEC §4: "in the background").
/// Uploads are queued by id; every minute, and at start, images still pending in the
/// database (a restart, a lost queue entry, another instance's upload) are picked up too.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "service/product_images.hpp"

namespace crema::jobs {

class ImageWorker {
 public:
  explicit ImageWorker(service::ProductImageService& images,
                       std::chrono::seconds sweep_every = std::chrono::seconds(60))
      : images_(images), sweep_every_(sweep_every) {}
  ~ImageWorker() { stop(); }
  ImageWorker(const ImageWorker&) = delete;
  ImageWorker& operator=(const ImageWorker&) = delete;

  void start();
  /// Finishes the image in hand, drops the rest (they stay pending in the database).
  void stop();
  void enqueue(const std::string& image_id);

 private:
  void run();
  service::ProductImageService& images_;
  std::chrono::seconds sweep_every_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace crema::jobs

#pragma once
/// Where uploaded images and their derived copies live (SPEC §4, §13): an object store with
/// flat keys. FileObjectStore keeps them under CREMA_MEDIA_DIR; S3ObjectStore
/// (media/s3_object_store.hpp) in an S3-compatible bucket (CREMA_S3_*).

#include <optional>
#include <string>
#include <string_view>

namespace crema::media {

struct StoredObject {
  std::string bytes;
  std::string content_type;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  /// Stores (or replaces) the object. Throws std::runtime_error when it cannot.
  virtual void put(std::string_view key, std::string_view bytes, std::string_view content_type) = 0;
  /// The object, or nothing when there is none under the key.
  virtual std::optional<StoredObject> get(std::string_view key) = 0;
  /// Removes the object (nothing when there is none).
  virtual void remove(std::string_view key) = 0;
};

/// Keys are 1–200 characters of [A-Za-z0-9._-], not starting with a dot: no paths, so a
/// key can never leave the store's directory.
bool valid_key(std::string_view key) noexcept;

/// Files in one directory (created on the first write). Writes go to a temporary file renamed
/// into place, so a reader never sees half an image. The content type is kept from the
/// key's extension (.jpg, .png, .webp; anything else is application/octet-stream).
class FileObjectStore final : public ObjectStore {
 public:
  explicit FileObjectStore(std::string root);
  void put(std::string_view key, std::string_view bytes, std::string_view content_type) override;
  std::optional<StoredObject> get(std::string_view key) override;
  void remove(std::string_view key) override;

 private:
  std::string path_of(std::string_view key) const;
  std::string root_;
};

}  // namespace crema::media

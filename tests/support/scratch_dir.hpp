#pragma once
/// A private temporary directory for one test or one server, removed with everything in it.

#include <filesystem>
#include <string>
#include <string_view>

namespace crema::test {

/// A fresh directory under $TMPDIR (or /tmp), deleted recursively on destruction.
class ScratchDir {
 public:
  /// Creates `<tmp>/<prefix>XXXXXX`; throws std::runtime_error when that fails.
  explicit ScratchDir(std::string_view prefix = "crema-test-");
  ~ScratchDir();
  ScratchDir(ScratchDir&& other) noexcept;
  ScratchDir& operator=(ScratchDir&& other) noexcept;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// The directory.
  const std::filesystem::path& path() const noexcept { return path_; }
  /// A path inside the directory (not created).
  std::string file(std::string_view name) const { return (path_ / name).string(); }
  /// Writes `content` to a file inside the directory and returns its path.
  std::string write(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

/// The whole content of a file ("" when it does not exist).
std::string read_file(const std::filesystem::path& path);

}  // namespace crema::test

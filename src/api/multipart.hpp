#pragma once
/// multipart/form-data bodies (RFC 7578), for image uploads: the parts with their names,
/// file names, content types and bytes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crema::api {

struct MultipartPart {
  std::string name;          ///< the form field (Content-Disposition name)
  std::string filename;      ///< "" when none
  std::string content_type;  ///< "" when none (text/plain by default)
  std::string_view body;     ///< a view into the request body
};

/// The boundary parameter of a multipart/form-data Content-Type, or nothing.
std::optional<std::string> multipart_boundary(std::string_view content_type);

/// Every part of `body`, or nothing when it is not a well-formed multipart body with that
/// boundary (no closing delimiter, a part without headers…).
std::optional<std::vector<MultipartPart>> parse_multipart(std::string_view body,
                                                          std::string_view boundary);

}  // namespace crema::api

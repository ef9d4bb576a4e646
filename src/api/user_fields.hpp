#pragma once
/// Reading the user fields shared by registration and PUT /users/{id}: every problem is
/// recorded on the Input, so a 422 lists them all.

#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "api/input.hpp"

namespace crema::api {

inline constexpr std::size_t kMaxNameChars = 100;
inline constexpr std::size_t kMaxMetadataBytes = 4096;
inline constexpr std::size_t kMaxAddresses = 10;

/// A display name: 1 to 100 characters, not only spaces.
std::optional<std::string> read_name(Input& in, Need need);

/// A phone number: digits, spaces and + - ( ) . only, 5 to 20 digits, at most 32 characters.
std::optional<std::string> read_phone(Input& in);

/// Whether `body` has `name` with an explicit null (PUT clears such a field).
bool explicitly_null(const boost::json::value& body, std::string_view name);

/// `addresses`: at most 10 objects {label?, line1, city, notes?}; the normalised JSON array
/// text (only those four fields kept).
std::optional<std::string> read_addresses(Input& in);

/// `metadata`: a JSON object of at most 4 KiB, as JSON text.
std::optional<std::string> read_metadata(Input& in);

}  // namespace crema::api

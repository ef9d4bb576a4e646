#include "api/user_fields.hpp"

#include <boost/json.hpp>

namespace crema::api {

namespace json = boost::json;

std::optional<std::string> read_name(Input& in, Need need) {
  auto name = in.text("name", need, 1, kMaxNameChars);
  if (name && name->find_first_not_of(" \t") == std::string::npos) {
    in.issue("name", "must not be blank");
    return std::nullopt;
  }
  return name;
}

std::optional<std::string> read_phone(Input& in) {
  auto phone = in.text("phone", Need::optional, 1, 32);
  if (!phone) return std::nullopt;
  int digits = 0;
  for (char c : *phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')' && c != '.') {
      in.issue("phone", "may contain only digits, spaces and + - ( ) .");
      return std::nullopt;
    }
  }
  if (digits < 5 || digits > 20) {
    in.issue("phone", "must have 5 to 20 digits");
    return std::nullopt;
  }
  return phone;
}

std::optional<std::string> read_addresses(Input& in) {
  const json::array* list = in.array("addresses", Need::optional, 0, kMaxAddresses);
  if (!list) return std::nullopt;
  json::array out;
  const std::size_t issues_before = in.issues().size();
  for (std::size_t i = 0; i < list->size(); ++i) {
    Input a = in.child((*list)[i], "addresses[" + std::to_string(i) + "]");
    auto label = a.text("label", Need::optional, 0, 50);
    auto line1 = a.text("line1", Need::required, 1, 200);
    auto city = a.text("city", Need::required, 1, 100);
    auto notes = a.text("notes", Need::optional, 0, 500);
    if (!line1 || !city) continue;
    out.push_back(json::object{{"label", label.value_or("")},
                               {"line1", *line1},
                               {"city", *city},
                               {"notes", notes.value_or("")}});
  }
  if (in.issues().size() != issues_before) return std::nullopt;
  return json::serialize(out);
}

bool explicitly_null(const json::value& body, std::string_view name) {
  const auto* obj = body.if_object();
  if (!obj) return false;
  const auto* v = obj->if_contains(name);
  return v && v->is_null();
}

std::optional<std::string> read_metadata(Input& in) {
  auto obj = in.object("metadata", Need::optional, kMaxMetadataBytes);
  if (!obj) return std::nullopt;
  return json::serialize(*obj);
}

}  // namespace crema::api

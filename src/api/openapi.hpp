#pragma once
/// The OpenAPI 3.1 document, generated from the route table so that no route can be missing
/// from it: each route's RouteDoc gives the summary and schemas; parameters, security and
/// error responses are derived from what the route declares.

#include <map>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "net/router.hpp"

namespace crema::api {

class OpenApi {
 public:
  OpenApi();
  /// Registers a components schema (JSON Schema text) that routes may name. An
  /// `"enum": "$name"` in it is the list api::enum_list(name) (api/enum_lists.hpp).
  void add_schema(std::string name, std::string_view json_schema);
  /// Registers `name` as a keyset page of `item_schema` (api/pagination.hpp's shape):
  /// {"items": [item…], "next_cursor": string | null}.
  void add_page_schema(std::string name, std::string_view item_schema);
  /// The whole document for the routes registered in `router`.
  boost::json::object document(const http::Router& router) const;

 private:
  std::map<std::string, boost::json::value> schemas_;
};

}  // namespace crema::api

#include "api/csv_export.hpp"

#include <boost/json.hpp>

#include "util/json_text.hpp"

namespace crema::api {

std::string csv_cell(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return {};
    case boost::json::kind::string:
      return std::string(v.get_string());
    default:
      return util::to_json(v);  // 7.5, not Boost's 7.5E0
  }
}

std::vector<std::string> csv_cells(const boost::json::object& item,
                                   const std::vector<std::string>& columns) {
  std::vector<std::string> cells;
  cells.reserve(columns.size());
  for (const auto& c : columns) {
    const auto* v = item.if_contains(c);
    cells.push_back(v ? csv_cell(*v) : std::string());
  }
  return cells;
}

bool wants_csv(Query& query) {
  return query.one_of("format", {"json", "csv"}).value_or("json") == "csv";
}

std::optional<int> csv_limit(const http::Request& req, int limit) {
  if (!req.query_param("limit")) return std::nullopt;
  return limit;
}

}  // namespace crema::api

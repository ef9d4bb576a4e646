#pragma once
/// The data export of GET /users/{id}/export (GDPR, right of access): every record held
/// about a user as one JSON document. Each feature contributes its section through one
/// call, UserExportRegistry::add — identity adds user, sessions, api_keys and audit_log;
/// orders, reviews and events add theirs where the app is wired:
///
///   registry.add("orders", [](db::Connection& conn, const std::string& user_id) {
///     return boost::json::value(...every order of user_id...);
///   });
///
/// Sections run in order inside one read transaction (one consistent snapshot).

#include <functional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "db/pool.hpp"

namespace crema::service {

/// Reads what one feature holds about `user_id`. Never include a secret (hash, token, key).
using ExportSection =
    std::function<boost::json::value(db::Connection& conn, const std::string& user_id)>;

class UserExportRegistry {
 public:
  /// Adds a section under `name`; throws std::logic_error when the name is taken.
  void add(std::string name, ExportSection section);

  /// {"format", "exported_at", "user_id", <each section by name>}.
  boost::json::object build(db::Pool& pool, const std::string& user_id) const;

  /// The section names, in order.
  std::vector<std::string> names() const;

 private:
  std::vector<std::pair<std::string, ExportSection>> sections_;
};

/// Adds identity's sections: user, sessions, api_keys (the keys they created), audit_log
/// (the rows where they are the actor).
void add_identity_export_sections(UserExportRegistry& registry);

}  // namespace crema::service

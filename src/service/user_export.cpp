#include "service/user_export.hpp"

#include <stdexcept>

#include <boost/json.hpp>

#include "repo/api_key_repo.hpp"
#include "repo/audit_repo.hpp"
#include "repo/session_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/identity_json.hpp"
#include "util/time.hpp"

namespace crema::service {

namespace json = boost::json;

void UserExportRegistry::add(std::string name, ExportSection section) {
  for (const auto& [existing, fn] : sections_)
    if (existing == name) throw std::logic_error("export section registered twice: " + name);
  sections_.emplace_back(std::move(name), std::move(section));
}

std::vector<std::string> UserExportRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, fn] : sections_) out.push_back(name);
  return out;
}

json::object UserExportRegistry::build(db::Pool& pool, const std::string& user_id) const {
  return pool.read_transact([&](db::Transaction& tx) {
    json::object doc;
    doc["format"] = "crema.user-export.v1";
    doc["exported_at"] = util::format_rfc3339(util::now_ms());
    doc["user_id"] = user_id;
    for (const auto& [name, section] : sections_) doc[name] = section(tx.connection(), user_id);
    return doc;
  });
}

void add_identity_export_sections(UserExportRegistry& registry) {
  registry.add("user", [](db::Connection& conn, const std::string& id) -> json::value {
    auto user = repo::find_user_by_id(conn, id);
    if (!user) return nullptr;
    json::object o = user_json(*user);
    o["erased_at"] = user->erased_at ? json::value(util::format_rfc3339(*user->erased_at))
                                     : json::value(nullptr);
    return o;
  });
  registry.add("sessions", [](db::Connection& conn, const std::string& id) -> json::value {
    json::array out;
    for (const auto& s : repo::list_user_sessions(conn, id)) out.push_back(session_json(s));
    return out;
  });
  registry.add("api_keys", [](db::Connection& conn, const std::string& id) -> json::value {
    json::array out;
    for (const auto& k : repo::list_api_keys_created_by(conn, id)) out.push_back(api_key_json(k));
    return out;
  });
  registry.add("audit_log", [](db::Connection& conn, const std::string& id) -> json::value {
    json::array out;
    AuditFilter f;
    f.actor_id = id;
    f.limit = 1000;
    while (true) {
      auto rows = repo::select_audit(conn, f);
      const bool more = rows.size() > static_cast<std::size_t>(f.limit);
      if (more) rows.pop_back();
      for (const auto& r : rows) out.push_back(r.to_json());
      if (!more || rows.empty()) break;
      f.before = repo::Keyset{rows.back().at, rows.back().id};
    }
    return out;
  });
}

}  // namespace crema::service

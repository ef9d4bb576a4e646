#include "repo/settings_repo.hpp"

#include <boost/json.hpp>

#include "repo/params.hpp"

namespace crema::repo {

namespace json = boost::json;

namespace {

constexpr std::string_view kSettingsColumns =
    "name, address, phone, hours, closures, online_paused, online_reason, online_until, "
    "max_orders_per_slot, delivery_fee, free_delivery_over, min_order_for_delivery, "
    "service_charge_bps, version, updated_at";

std::string settings_hours_text(const std::vector<domain::OpeningRange>& hours) {
  json::array out;
  for (const auto& r : hours)
    out.push_back({{"day", domain::weekday_name(r.day)},
                   {"open", domain::clock_time_text(r.open)},
                   {"close", domain::clock_time_text(r.close)}});
  return json::serialize(out);
}

std::string settings_closures_text(const std::vector<domain::Closure>& closures) {
  json::array out;
  for (const auto& c : closures) out.push_back({{"date", c.date}, {"reason", c.reason}});
  return json::serialize(out);
}

std::string_view settings_string(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// Calls `each` for every object of the JSON array `text` (a column written by
// store_settings); anything unreadable is skipped rather than failing every request of the
// shop.
template <class Each>
void settings_objects_of(std::string_view text, Each&& each) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return;
  for (const auto& e : v.get_array())
    if (e.is_object()) each(e.get_object());
}

std::vector<domain::OpeningRange> settings_hours_of(std::string_view text) {
  std::vector<domain::OpeningRange> out;
  settings_objects_of(text, [&](const json::object& o) {
    auto day = domain::parse_weekday(settings_string(o, "day"));
    auto open = domain::parse_clock_time(settings_string(o, "open"));
    auto close = domain::parse_clock_time(settings_string(o, "close"), true);
    if (day && open && close) out.push_back({*day, *open, *close});
  });
  return out;
}

std::vector<domain::Closure> settings_closures_of(std::string_view text) {
  std::vector<domain::Closure> out;
  settings_objects_of(text, [&](const json::object& o) {
    out.push_back(
        {std::string(settings_string(o, "date")), std::string(settings_string(o, "reason"))});
  });
  return out;
}

std::optional<int> settings_small_int(const db::Row& r, std::size_t col) {
  auto v = r.opt_int64(col);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

domain::ShopSettings settings_of(const db::Row& r) {
  domain::ShopSettings s;
  s.name = r.text(0);
  s.address = r.text(1);
  s.phone = r.text(2);
  s.hours = settings_hours_of(r.text_view(3));
  s.closures = settings_closures_of(r.text_view(4));
  s.online_ordering.paused = r.boolean(5);
  s.online_ordering.reason = r.text(6);
  s.online_ordering.until_ms = r.opt_int64(7);
  s.max_orders_per_slot = settings_small_int(r, 8);
  s.delivery_fee = r.opt_int64(9);
  s.free_delivery_over = r.opt_int64(10);
  s.min_order_for_delivery = r.opt_int64(11);
  s.service_charge_bps = settings_small_int(r, 12);
  s.version = r.int64(13);
  s.updated_at = r.int64(14);
  return s;
}

db::Param settings_opt(const std::optional<int>& v) {
  if (!v) return nullptr;
  return static_cast<std::int64_t>(*v);
}

}  // namespace

domain::ShopSettings load_settings(db::Connection& conn) {
  static const std::string sql =
      "SELECT " + std::string(kSettingsColumns) + " FROM shop_settings WHERE id = 1";
  auto r = conn.exec(sql);
  if (r.empty()) return {};
  return settings_of(r.front());
}

domain::ShopSettings lock_settings(db::Transaction& tx) {
  tx.exec("INSERT INTO shop_settings (id) VALUES (1) ON CONFLICT (id) DO NOTHING");
  static const std::string sqlite =
      "SELECT " + std::string(kSettingsColumns) + " FROM shop_settings WHERE id = 1";
  static const std::string pg = sqlite + " FOR UPDATE";
  auto r = tx.exec(tx.dialect() == db::Dialect::postgres ? pg : sqlite);
  return settings_of(r.front());
}

void store_settings(db::Transaction& tx, const domain::ShopSettings& s, const std::string& by) {
  const auto hours = settings_hours_text(s.hours);
  const auto closures = settings_closures_text(s.closures);
  tx.exec(
      "UPDATE shop_settings SET name = $1, address = $2, phone = $3, hours = $4, closures = $5, "
      "online_paused = $6, online_reason = $7, online_until = $8, max_orders_per_slot = $9, "
      "delivery_fee = $10, free_delivery_over = $11, min_order_for_delivery = $12, "
      "service_charge_bps = $13, version = $14, updated_at = $15, updated_by = $16 WHERE id = 1",
      {std::string_view(s.name), std::string_view(s.address), std::string_view(s.phone),
       std::string_view(hours), std::string_view(closures), s.online_ordering.paused,
       std::string_view(s.online_ordering.reason), int_or_null(s.online_ordering.until_ms),
       settings_opt(s.max_orders_per_slot), int_or_null(s.delivery_fee),
       int_or_null(s.free_delivery_over), int_or_null(s.min_order_for_delivery),
       settings_opt(s.service_charge_bps), s.version, s.updated_at, text_or_null(by)});
}

}  // namespace crema::repo

#include "domain/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <boost/json.hpp>

#include "domain/money.hpp"

namespace crema::domain {

namespace json = boost::json;

bool is_sale(std::string_view status, std::string_view payment_status) noexcept {
  return status != "cancelled" &&
         (payment_status == "paid" || payment_status == "partially_refunded");
}

std::string payment_method_key(std::string_view method) {
  return method.empty() ? std::string("other") : std::string(method);
}

std::string money_text(std::int64_t minor) {
  const bool neg = minor < 0;
  const std::uint64_t a =
      neg ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  std::string cents = std::to_string(a % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (neg ? "-" : "") + std::to_string(a / 100) + "." + cents;
}

namespace {

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
int days_from_civil(int y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

struct Civil {
  int y;
  unsigned m, d;
};

Civil civil_from_days(int z) noexcept {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

bool digits(std::string_view s, int& out) noexcept {
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return !s.empty();
}

std::optional<int> make_day(int y, int m, int d) noexcept {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return std::nullopt;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

double money(std::int64_t minor) { return money_to_major(minor); }

json::object totals_json(const SalesTotals& t) {
  return {{"total_sales", money(t.total_sales)}, {"order_count", t.order_count}};
}

// {key: amount} with the always-present keys first filled with 0.
json::object amounts(const std::map<std::string, SalesTotals>& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = money(v.total_sales);
  return o;
}

void seed_methods(std::map<std::string, SalesTotals>& m) {
  for (auto k : kAlwaysMethods) m.try_emplace(std::string(k));
}

}  // namespace

std::optional<int> parse_iso_day(std::string_view s) noexcept {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!digits(s.substr(0, 4), y) || !digits(s.substr(5, 2), m) || !digits(s.substr(8, 2), d))
    return std::nullopt;
  return make_day(y, m, d);
}

std::optional<int> parse_compact_day(std::string_view s) noexcept {
  int y = 0, m = 0, d = 0;
  if (s.size() != 8) return std::nullopt;
  if (!digits(s.substr(0, 4), y) || !digits(s.substr(4, 2), m) || !digits(s.substr(6, 2), d))
    return std::nullopt;
  return make_day(y, m, d);
}

std::string iso_day(int day) {
  const auto c = civil_from_days(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.y, c.m, c.d);
  return buf;
}

std::string compact_day(int day) {
  const auto c = civil_from_days(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", c.y, c.m, c.d);
  return buf;
}

int weekday(int day) noexcept {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  return ((day % 7) + 7 + 3) % 7;
}

int month_start(int day) noexcept {
  const auto c = civil_from_days(day);
  return days_from_civil(c.y, c.m, 1);
}

std::int64_t SalesTotals::average() const noexcept {
  if (order_count == 0) return 0;
  const std::int64_t a = total_sales < 0 ? -total_sales : total_sales;
  const std::int64_t q = (2 * a + order_count) / (2 * order_count);
  return total_sales < 0 ? -q : q;
}

DailyReport daily_report(int day, const std::vector<SalesGroup>& groups) {
  DailyReport r;
  r.date = iso_day(day);
  seed_methods(r.payment_methods);
  for (auto t : kOrderTypes) r.by_type.try_emplace(std::string(t));
  const auto key = compact_day(day);
  for (const auto& g : groups) {
    if (g.business_date != key) continue;
    r.total.add(g.order_count, g.total_sales);
    r.payment_methods[payment_method_key(g.payment_method)].add(g.order_count, g.total_sales);
    r.by_type[g.type].add(g.order_count, g.total_sales);
  }
  return r;
}

WeeklyReport weekly_report(int week_start, const std::vector<SalesGroup>& groups) {
  WeeklyReport r;
  r.week_start = iso_day(week_start);
  r.week_end = iso_day(week_start + 6);
  seed_methods(r.payment_methods);
  std::map<std::string, std::size_t> index;
  for (int d = 0; d < 7; ++d) {
    index[compact_day(week_start + d)] = r.days.size();
    r.days.emplace_back(iso_day(week_start + d), SalesTotals{});
  }
  for (const auto& g : groups) {
    auto it = index.find(g.business_date);
    if (it == index.end()) continue;
    r.days[it->second].second.add(g.order_count, g.total_sales);
    r.total.add(g.order_count, g.total_sales);
    r.payment_methods[payment_method_key(g.payment_method)].add(g.order_count, g.total_sales);
  }
  return r;
}

std::optional<Granularity> parse_granularity(std::string_view s) noexcept {
  if (s == "day") return Granularity::day;
  if (s == "week") return Granularity::week;
  if (s == "month") return Granularity::month;
  return std::nullopt;
}

SalesBuckets sales_buckets(int from, int to, Granularity g, const std::vector<SalesGroup>& groups) {
  auto period_of = [g](int day) {
    switch (g) {
      case Granularity::week:
        return day - weekday(day);
      case Granularity::month:
        return month_start(day);
      default:
        return day;
    }
  };
  SalesBuckets r;
  std::map<int, std::size_t> index;
  for (int d = from; d <= to; ++d) {
    const int p = period_of(d);
    if (index.emplace(p, r.buckets.size()).second)
      r.buckets.emplace_back(iso_day(p), SalesTotals{});
  }
  for (const auto& s : groups) {
    auto day = parse_compact_day(s.business_date);
    if (!day || *day < from || *day > to) continue;
    r.buckets[index.at(period_of(*day))].second.add(s.order_count, s.total_sales);
    r.total.add(s.order_count, s.total_sales);
  }
  return r;
}

std::optional<double> StaffFigure::avg_prep_minutes() const noexcept {
  if (prep_count == 0) return std::nullopt;
  // Hundredths of a minute, rounded half up, from exact milliseconds: ms * 100 / 60000.
  const std::int64_t denom = prep_count * 600;
  const std::int64_t hundredths = (2 * prep_ms_sum + denom) / (2 * denom);
  return static_cast<double>(hundredths) / 100.0;
}

std::optional<double> StaffFigure::feedback_avg() const noexcept {
  if (feedback_count == 0) return std::nullopt;
  // Hundredths, rounded half up, from the exact sum.
  const std::int64_t hundredths = (2 * 100 * feedback_sum + feedback_count) / (2 * feedback_count);
  return static_cast<double>(hundredths) / 100.0;
}

CustomerReport customer_report(std::vector<CustomerFigure> all, std::size_t top) {
  CustomerReport r;
  r.total_customers = static_cast<std::int64_t>(all.size());
  for (const auto& c : all) r.new_customers += c.is_new ? 1 : 0;
  r.returning_customers = r.total_customers - r.new_customers;
  std::sort(all.begin(), all.end(), [](const CustomerFigure& a, const CustomerFigure& b) {
    if (a.total_spent != b.total_spent) return a.total_spent > b.total_spent;
    if (a.order_count != b.order_count) return a.order_count > b.order_count;
    return a.customer_id < b.customer_id;
  });
  if (all.size() > top) all.resize(top);
  r.top_customers = std::move(all);
  return r;
}

json::object to_json(const DailyReport& r, std::string_view currency) {
  return {{"date", r.date},
          {"total_sales", money(r.total.total_sales)},
          {"order_count", r.total.order_count},
          {"average_order_value", money(r.total.average())},
          {"payment_methods", amounts(r.payment_methods)},
          {"by_type", amounts(r.by_type)},
          {"currency", currency}};
}

json::object to_json(const WeeklyReport& r, std::string_view currency) {
  json::array days;
  for (const auto& [d, t] : r.days) {
    auto o = totals_json(t);
    o.emplace("date", d);
    days.push_back(std::move(o));
  }
  return {{"week_start", r.week_start},
          {"week_end", r.week_end},
          {"total_sales", money(r.total.total_sales)},
          {"order_count", r.total.order_count},
          {"days", std::move(days)},
          {"payment_methods", amounts(r.payment_methods)},
          {"currency", currency}};
}

json::object to_json(const SalesBuckets& r, std::string_view currency) {
  json::array buckets;
  for (const auto& [p, t] : r.buckets) {
    auto o = totals_json(t);
    o.emplace("period_start", p);
    buckets.push_back(std::move(o));
  }
  return {{"buckets", std::move(buckets)},
          {"total_sales", money(r.total.total_sales)},
          {"order_count", r.total.order_count},
          {"currency", currency}};
}

json::object products_json(const std::vector<ProductFigure>& items, std::string_view currency) {
  json::array out;
  for (const auto& p : items)
    out.push_back(json::object{{"product_id", p.product_id},
                               {"name", p.name},
                               {"quantity", p.quantity},
                               {"revenue", money(p.revenue)}});
  return {{"items", std::move(out)}, {"currency", currency}};
}

json::object staff_json(const std::vector<StaffFigure>& staff, std::string_view currency) {
  json::array out;
  for (const auto& s : staff) {
    auto avg = s.avg_prep_minutes();
    auto feedback = s.feedback_avg();
    out.push_back(
        json::object{{"user_id", s.user_id},
                     {"name", s.name},
                     {"orders_handled", s.orders_handled},
                     {"total_sales", money(s.total_sales)},
                     {"avg_prep_minutes", avg ? json::value(*avg) : json::value(nullptr)},
                     {"feedback_avg", feedback ? json::value(*feedback) : json::value(nullptr)},
                     {"feedback_count", s.feedback_count}});
  }
  return {{"staff", std::move(out)}, {"currency", currency}};
}

json::object to_json(const CustomerReport& r, std::string_view currency) {
  json::array top;
  for (const auto& c : r.top_customers)
    top.push_back(json::object{{"customer_id", c.customer_id},
                               {"name", c.name},
                               {"order_count", c.order_count},
                               {"total_spent", money(c.total_spent)}});
  return {{"total_customers", r.total_customers},
          {"new_customers", r.new_customers},
          {"returning_customers", r.returning_customers},
          {"top_customers", std::move(top)},
          {"currency", currency}};
}

}  // namespace crema::domain

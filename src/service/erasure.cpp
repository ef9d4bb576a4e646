#include "service/erasure.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "repo/erasure_repo.hpp"

namespace crema::service {

namespace json = boost::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool mentions(std::string_view text, const std::vector<std::string>& needles) {
  const std::string l = lower(text);
  for (const auto& n : needles)
    if (!n.empty() && l.find(n) != std::string::npos) return true;
  return false;
}

// Returns true when the value changed.
bool scrub_value(json::value& v, const std::vector<std::string>& needles) {
  bool changed = false;
  if (v.is_string()) {
    if (mentions(v.get_string(), needles)) {
      v = std::string(kErasedText);
      changed = true;
    }
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) changed = scrub_value(item, needles) || changed;
  } else if (v.is_object()) {
    auto& o = v.get_object();
    std::vector<std::string> drop;
    for (auto& [key, member] : o) {
      if (mentions(key, needles)) {
        drop.emplace_back(key);
        continue;
      }
      changed = scrub_value(member, needles) || changed;
    }
    for (const auto& key : drop) o.erase(key);
    changed = changed || !drop.empty();
  }
  return changed;
}

}  // namespace

std::string scrub_mentions(std::string_view text, const std::vector<std::string>& needles) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (!ec && (v.is_object() || v.is_array())) {
    if (!scrub_value(v, needles)) return std::string(text);
    return json::serialize(v);
  }
  std::string out(text);
  for (const auto& n : needles) {
    if (n.empty()) continue;
    for (std::size_t at = lower(out).find(n); at != std::string::npos;
         at = lower(out).find(n, at + kErasedText.size()))
      out.replace(at, n.size(), kErasedText);
  }
  return out;
}

std::vector<std::string> contact_needles(std::string_view email, std::string_view phone) {
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (s.size() >= 4 && std::find(out.begin(), out.end(), s) == out.end())
      out.push_back(std::move(s));
  };
  add(lower(email));
  add(lower(phone));
  std::string compact;
  for (char c : phone)
    if (c != ' ' && c != '.' && c != '-' && c != '(' && c != ')') compact += c;
  add(lower(compact));
  return out;
}

std::int64_t erase_contact_copies(db::Transaction& tx, const std::vector<std::string>& needles) {
  if (needles.empty()) return 0;
  std::int64_t rewritten = 0;
  for (auto column : repo::erasable_text_columns()) {
    for (const auto& row : repo::find_mentions(tx, column, needles)) {
      const std::string scrubbed = scrub_mentions(row.text, needles);
      if (scrubbed == row.text) continue;
      repo::rewrite_mention(tx, column, row, scrubbed);
      ++rewritten;
    }
  }
  return rewritten;
}

}  // namespace crema::service

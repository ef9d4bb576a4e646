#include "support/http_message.hpp"

#include <stdexcept>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace crema::test {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void Headers::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : items_) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Headers::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : items_) {
    if (iequals(n, name)) out.push_back(v);
  }
  return out;
}

const boost::json::object& HttpResponse::object() const {
  if (!json || !json->is_object()) {
    throw std::runtime_error("response body is not a JSON object: " + describe());
  }
  return json->get_object();
}

bool HttpResponse::connection_close() const {
  for (const auto& v : headers.all("Connection")) {
    for (const auto& t : header_tokens(v)) {
      if (iequals(t, "close")) return true;
    }
  }
  return false;
}

std::string HttpResponse::describe() const {
  std::string s = "HTTP " + std::to_string(status) + "\n";
  for (const auto& [n, v] : headers.items()) s += n + ": " + v + "\n";
  s += "\n";
  s += body.size() > 2000 ? body.substr(0, 2000) + "…(" + std::to_string(body.size()) + " bytes)"
                          : body;
  return s;
}

bool is_json_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  std::string_view type = trim(ct.substr(0, semi));
  if (iequals(type, "application/json")) return true;
  return type.size() > 5 && iequals(type.substr(type.size() - 5), "+json");
}

std::optional<boost::json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

void attach_json(HttpResponse& response) {
  response.json.reset();
  if (is_json_content_type(response.header("Content-Type")))
    response.json = parse_json(response.body);
}

std::vector<std::string> header_tokens(std::string_view value) {
  std::vector<std::string> out;
  while (true) {
    auto comma = value.find(',');
    auto tok = trim(value.substr(0, comma));
    if (!tok.empty()) out.emplace_back(tok);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

std::string json_string(const boost::json::value& v, std::initializer_list<std::string_view> path) {
  const boost::json::value* cur = &v;
  for (auto key : path) {
    if (!cur->is_object()) return {};
    auto* next = cur->get_object().if_contains(key);
    if (!next) return {};
    cur = next;
  }
  return cur->is_string() ? std::string(cur->get_string()) : std::string{};
}

}  // namespace crema::test

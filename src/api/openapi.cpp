#include "api/openapi.hpp"

#include <set>
#include <stdexcept>

#include <boost/json.hpp>

#include "api/enum_lists.hpp"

namespace crema::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kErrorSchema = R"({
  "type": "object",
  "required": ["error"],
  "properties": {
    "error": {
      "type": "object",
      "required": ["code", "message", "details", "request_id"],
      "properties": {
        "code": {"type": "string", "examples": ["validation_failed"]},
        "message": {"type": "string"},
        "details": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["field", "issue"],
            "properties": {"field": {"type": "string"}, "issue": {"type": "string"}}
          }
        },
        "request_id": {"type": "string"},
        "next_open_at": {
          "type": ["string", "null"], "format": "date-time",
          "description": "With shop_closed: when online orders are taken next (null: not known, paused until a manager resumes)."
        }
      }
    }
  }
})";

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  return out;
}

// "/api/v1/orders/{id}/status" + PUT → "putApiV1OrdersIdStatus"
std::string operation_id(http::Method method, std::string_view pattern) {
  std::string out = ascii_lower(http::method_name(method));
  bool upper = true;
  for (char c : pattern) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    upper = false;
  }
  return out;
}

// `"enum": "$name"` → the list api::enum_list(name), throughout a schema.
void resolve_enum_lists(json::value& v) {
  if (auto* arr = v.if_array()) {
    for (auto& item : *arr) resolve_enum_lists(item);
    return;
  }
  auto* obj = v.if_object();
  if (!obj) return;
  for (auto& [key, value] : *obj) {
    if (key == "enum" && value.is_string() && value.get_string().starts_with("$")) {
      const std::string_view name(value.get_string());
      json::array values;
      for (auto n : enum_list(name.substr(1))) values.emplace_back(n);
      value = std::move(values);
    } else {
      resolve_enum_lists(value);
    }
  }
}

json::value parse_schema(std::string_view text) {
  auto v = json::parse(text);
  resolve_enum_lists(v);
  return v;
}

json::value schema_ref_or_inline(std::string_view s) {
  if (!s.empty() && s.front() == '{') return parse_schema(s);
  return json::object{{"$ref", "#/components/schemas/" + std::string(s)}};
}

// The request headers a route may declare (RouteDoc::headers), as components/parameters.
struct HeaderParam {
  std::string_view header, component;
  std::string_view schema;
  std::string_view description;
};
constexpr HeaderParam kHeaderParams[] = {
    {"Idempotency-Key", "IdempotencyKey", R"({"type": "string", "minLength": 1, "maxLength": 255})",
     "Any unique text (a UUID): a repeat with the same key and body within 24 hours answers "
     "the first response again (Idempotent-Replayed: true) without doing the work twice; the "
     "same key with another body → 409."},
    {"If-Match", "IfMatch", R"({"type": "string", "examples": ["\"3\""]})",
     "The version the change is based on, as the resource's ETag (\"<version>\"), instead of "
     "a version field; another version → 409 version_conflict."},
    {"If-None-Match", "IfNoneMatch", R"({"type": "string"})",
     "The ETag of the copy the client holds: 304 without a body while it is current."},
};

const HeaderParam& header_param(std::string_view header) {
  for (const auto& h : kHeaderParams)
    if (h.header == header) return h;
  throw std::logic_error("RouteDoc names an unknown request header: " + std::string(header));
}

json::object error_response(std::string_view description) {
  return {{"$ref", "#/components/responses/Error"}, {"description", description}};
}

const char* status_text(int status) {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    default:
      return "Success";
  }
}

}  // namespace

OpenApi::OpenApi() { add_schema("Error", kErrorSchema); }

void OpenApi::add_schema(std::string name, std::string_view json_schema) {
  schemas_[std::move(name)] = parse_schema(json_schema);
}

void OpenApi::add_page_schema(std::string name, std::string_view item_schema) {
  const std::string ref = "#/components/schemas/" + std::string(item_schema);
  schemas_[std::move(name)] = json::object{
      {"type", "object"},
      {"required", json::array{"items", "next_cursor"}},
      {"properties",
       json::object{
           {"items", json::object{{"type", "array"}, {"items", json::object{{"$ref", ref}}}}},
           {"next_cursor", json::object{{"type", json::array{"string", "null"}}}}}}};
}

json::object OpenApi::document(const http::Router& router) const {
  json::object paths;
  bool any_protected = false;
  bool any_order_token = false;
  std::set<std::string> used_headers;  // components/parameters in use
  for (const auto& route_ptr : router.routes()) {
    const http::Route& r = *route_ptr;
    if (r.doc.summary.empty())
      throw std::logic_error("route without an OpenAPI summary: " + r.pattern);
    json::object op;
    op["operationId"] = operation_id(r.method, r.pattern);
    op["summary"] = r.doc.summary;
    if (!r.doc.description.empty()) op["description"] = r.doc.description;
    if (!r.doc.tag.empty()) op["tags"] = json::array{r.doc.tag};

    json::array params;
    std::string_view p = r.pattern;
    for (auto open = p.find('{'); open != std::string_view::npos; open = p.find('{', open + 1)) {
      auto close = p.find('}', open);
      params.push_back({{"name", p.substr(open + 1, close - open - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
    }
    for (const auto& q : r.doc.query) {
      json::object schema{{"type", q.type}};
      if (!q.values.empty()) {
        json::array values;
        for (auto v : q.values) values.emplace_back(v);
        schema["enum"] = std::move(values);
      }
      json::object qp{{"name", q.name},
                      {"in", "query"},
                      {"required", q.required},
                      {"schema", std::move(schema)}};
      if (!q.description.empty()) qp["description"] = q.description;
      params.push_back(std::move(qp));
    }
    bool conditional = false;
    for (auto h : r.doc.headers) {
      const auto& hp = header_param(h);
      used_headers.insert(std::string(hp.component));
      conditional = conditional || h == "If-None-Match";
      params.push_back(
          json::object{{"$ref", "#/components/parameters/" + std::string(hp.component)}});
    }
    if (!params.empty()) op["parameters"] = std::move(params);

    if (r.body == http::BodyKind::json && !r.doc.request_schema.empty()) {
      op["requestBody"] = {
          {"required", !r.doc.body_optional},
          {"content",
           {{"application/json", {{"schema", schema_ref_or_inline(r.doc.request_schema)}}}}}};
    } else if (r.body == http::BodyKind::raw) {
      json::object content;
      for (const auto& t : r.content_types)
        content[t] = {{"schema", {{"type", "string"}, {"contentMediaType", t}}}};
      op["requestBody"] = {{"required", true}, {"content", std::move(content)}};
    }

    json::object responses;
    json::object ok{{"description", status_text(r.doc.success_status)}};
    if (!r.doc.response_schema.empty()) {
      json::object content{{std::string(r.doc.response_type),
                            {{"schema", schema_ref_or_inline(r.doc.response_schema)}}}};
      for (auto t : r.doc.more_response_types)
        content[t] = {{"schema", schema_ref_or_inline(r.doc.response_schema)}};
      if (r.doc.csv) {
        content["text/csv"] = {
            {"schema", {{"type", "string"}, {"description", "RFC 4180 CSV, with a header row"}}}};
        ok["description"] = "OK: JSON, or CSV with ?format=csv";
      }
      ok["content"] = std::move(content);
    }
    if (conditional) {
      ok["headers"] = {{"ETag",
                        {{"description", "the validator to send as If-None-Match"},
                         {"schema", {{"type", "string"}}}}}};
      responses["304"] = {
          {"description", "Not Modified: the copy named by If-None-Match is current"},
          {"headers", {{"ETag", {{"schema", {{"type", "string"}}}}}}}};
    }
    responses[std::to_string(r.doc.success_status)] = std::move(ok);
    for (const auto& other : r.doc.responses) {
      json::object answer{{"description", other.description.empty() ? status_text(other.status)
                                                                    : other.description}};
      answer["content"] = {{"application/json", {{"schema", schema_ref_or_inline(other.schema)}}}};
      responses[std::to_string(other.status)] = std::move(answer);
    }
    auto add_error = [&](int status, std::string_view why) {
      auto key = std::to_string(status);
      if (!responses.contains(key)) responses[key] = error_response(why);
    };
    add_error(400, "Malformed request or query parameter");
    if (!r.access.is_public) {
      add_error(401, "Missing, invalid, expired or revoked credentials");
      add_error(403, "The caller's role may not do this");
    }
    if (r.pattern.find('{') != std::string::npos) add_error(404, "No such resource");
    if (r.body != http::BodyKind::none) {
      add_error(413, "Body too large");
      add_error(415, "Unsupported content type");
      add_error(422, "Invalid fields, every one listed");
    }
    for (int status : r.doc.errors) add_error(status, "See the error code");
    if (r.rate_limited) add_error(429, "Rate limited; see Retry-After");
    if (r.offload) add_error(503, "Database unavailable or shutting down");
    add_error(500, "Internal error (logged with the request id)");
    op["responses"] = std::move(responses);

    any_protected = any_protected || !r.access.is_public;
    if (r.access.is_public) {
      op["security"] = json::array{};
    } else {
      json::array sec{json::object{{"bearerAuth", json::array{}}}};
      if (!r.access.api_key_scope.empty()) sec.push_back(json::object{{"apiKey", json::array{}}});
      // SPEC §15.1: a guest's X-Order-Token, and no credentials at all (guest checkout).
      if (r.access.order_token) {
        sec.push_back(json::object{{"orderToken", json::array{}}});
        any_order_token = true;
      }
      if (r.access.anonymous) sec.push_back(json::object{});
      op["security"] = std::move(sec);
    }

    auto& item = paths[r.pattern];
    if (!item.is_object()) item = json::object{};
    item.as_object()[ascii_lower(http::method_name(r.method))] = std::move(op);
  }

  json::object schemas;
  for (const auto& [name, schema] : schemas_) schemas[name] = schema;

  json::object components{
      {"schemas", std::move(schemas)},
      {"responses",
       {{"Error",
         {{"description", "An error, in the one shape of every error"},
          {"content",
           {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
  // Declared only once a route uses them: unused components are lint warnings.
  if (!used_headers.empty()) {
    json::object parameters;
    for (const auto& h : kHeaderParams) {
      if (!used_headers.contains(std::string(h.component))) continue;
      parameters[h.component] = {{"name", h.header},
                                 {"in", "header"},
                                 {"required", false},
                                 {"description", h.description},
                                 {"schema", json::parse(h.schema)}};
    }
    components["parameters"] = std::move(parameters);
  }
  if (any_protected) {
    components["securitySchemes"] = {
        {"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}},
        {"apiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}}};
    if (any_order_token)
      components["securitySchemes"].as_object()["orderToken"] = {
          {"type", "apiKey"},
          {"in", "header"},
          {"name", "X-Order-Token"},
          {"description",
           "A guest's order token (SPEC §15.1): the guest_token of the 201 of POST /orders "
           "placed without credentials. It opens that one order on the routes that list it "
           "(another order's id → 404) and nothing else (any other route → 401); GET /ws takes "
           "it as ?order_token=."}};
  }

  return json::object{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Crema API"},
        {"version", CREMA_VERSION},
        {"description",
         "The backend of a café and bakery: point of sale, kitchen board, online orders and "
         "delivery, inventory, payments, notifications, reviews, catering events and reports."},
        {"license", {{"name", "Proprietary"}, {"identifier", "LicenseRef-Proprietary"}}}}},
      {"servers", json::array{json::object{{"url", "/"}}}},
      {"paths", std::move(paths)},
      {"components", std::move(components)},
  };
}

}  // namespace crema::api

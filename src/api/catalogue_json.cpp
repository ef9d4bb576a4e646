#include "api/catalogue_json.hpp"

#include <set>

#include <boost/json.hpp>

#include "domain/money.hpp"
#include "util/time.hpp"

namespace crema::api {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxRecipeQuantity = 1'000'000'000'000;  // thousandths: a billion units
constexpr std::int64_t kMinPriceDelta = -1'000'000;             // -10,000.00
constexpr std::size_t kMaxRecipeLines = 50;

json::array lines_json(const std::vector<domain::RecipeLine>& lines) {
  json::array out;
  for (const auto& l : lines)
    out.push_back({{"inventory_item_id", l.inventory_item_id},
                   {"quantity", domain::quantity_to_units(l.quantity)}});
  return out;
}

// [{inventory_item_id, quantity > 0}], each item at most once.
std::optional<std::vector<domain::RecipeLine>> read_lines(Input& in, const Field& f,
                                                          std::size_t max_lines) {
  const json::array* arr = in.array(f, Need::optional, 0, max_lines);
  if (!arr) return std::nullopt;
  std::vector<domain::RecipeLine> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    Input line = in.child((*arr)[i], in.path(f) + "[" + std::to_string(i) + "]");
    auto id = line.uuid({"inventory_item_id", "inventoryItemId"}, Need::required);
    auto q = line.quantity("quantity", Need::required, 1, kMaxRecipeQuantity);
    if (id && !seen.insert(*id).second) line.issue({"inventory_item_id"}, "appears twice");
    if (id && q) out.push_back({*id, *q});
  }
  return out;
}

std::optional<std::vector<domain::Modifier>> read_modifiers(Input& in) {
  const json::array* arr = in.array("modifiers", Need::optional, 0, kMaxRecipeLines);
  if (!arr) return std::nullopt;
  std::vector<domain::Modifier> out;
  std::set<std::string> codes;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    Input m = in.child((*arr)[i], "modifiers[" + std::to_string(i) + "]");
    domain::Modifier mod;
    auto code = m.text("code", Need::required, 1, 40);
    if (code && !domain::valid_modifier_code(*code)) {
      m.issue({"code"}, "must be 1 to 40 of a-z, 0-9, _ and -");
      code.reset();
    }
    if (code && !codes.insert(*code).second) {
      m.issue({"code"}, "appears twice");
      code.reset();
    }
    auto name = m.text("name", Need::required, 1, 100);
    auto delta = m.money({"price_delta", "priceDelta"}, Need::optional, kMinPriceDelta);
    auto consumes = read_lines(m, "consumes", 20);
    if (code && name) {
      mod.code = *code;
      mod.name = *name;
      mod.price_delta = delta.value_or(0);
      if (consumes) mod.consumes = std::move(*consumes);
      out.push_back(std::move(mod));
    }
  }
  return out;
}

}  // namespace

json::object product_json(const domain::Product& p, const ProductView& view) {
  json::array images;
  if (view.images && *view.images)
    for (const auto& img : p.images) images.push_back((*view.images)(img));
  json::array modifiers;
  for (const auto& m : p.modifiers)
    modifiers.push_back({{"code", m.code},
                         {"name", m.name},
                         {"price_delta", domain::money_to_major(m.price_delta)},
                         {"consumes", lines_json(m.consumes)}});
  auto quantity_or_null = [](const std::optional<std::int64_t>& q) -> json::value {
    if (!q) return nullptr;
    return domain::quantity_to_units(*q);
  };
  json::object out{
      {"id", p.id},
      {"name", p.name},
      {"description", p.description},
      {"category", p.category},
      {"price", domain::money_to_major(p.price)},
      {"currency", view.currency},
      {"images", std::move(images)},
      {"attributes", p.attributes},
      {"modifiers", std::move(modifiers)},
      {"prep_minutes", p.prep_minutes},
      {"track_stock", p.track_stock},
      {"stock", quantity_or_null(p.stock)},
      {"stock_threshold", quantity_or_null(p.stock_threshold)},
      {"in_stock", p.in_stock},
      {"is_active", p.is_active},
      {"rating_avg", static_cast<double>(p.rating_avg_milli) / 1000.0},
      {"rating_count", p.rating_count},
  };
  if (view.include_recipe) out["recipe"] = lines_json(p.recipe);
  out["version"] = p.version;
  out["created_at"] = util::format_rfc3339(p.created_at);
  out["updated_at"] = util::format_rfc3339(p.updated_at);
  return out;
}

service::ProductInput read_product_input(Input& in, bool create) {
  const Need need = create ? Need::required : Need::optional;
  service::ProductInput p;
  p.name = in.text("name", need, 1, 200);
  p.description = in.text("description", Need::optional, 0, 4000);
  p.category = in.text("category", need, 1, 100);
  p.price = in.money("price", need, 0);
  p.attributes = in.object("attributes", Need::optional, 16 * 1024);
  p.modifiers = read_modifiers(in);
  if (auto m = in.integer({"prep_minutes", "prepMinutes"}, Need::optional, 0, 24 * 60))
    p.prep_minutes = static_cast<int>(*m);
  p.track_stock = in.boolean({"track_stock", "trackStock"}, Need::optional);
  p.stock = in.quantity("stock", Need::optional, 0, kMaxRecipeQuantity);
  p.stock_threshold =
      in.quantity({"stock_threshold", "stockThreshold"}, Need::optional, 0, kMaxRecipeQuantity);
  p.in_stock = in.boolean({"in_stock", "inStock"}, Need::optional);
  p.is_active = in.boolean({"is_active", "isActive"}, Need::optional);
  p.recipe = read_lines(in, "recipe", kMaxRecipeLines);
  if (p.track_stock && !*p.track_stock && (p.stock || p.stock_threshold))
    in.issue({"track_stock"}, "must be true when stock or stock_threshold is given");
  return p;
}

service::ProductInput read_stock_input(Input& in) {
  service::ProductInput p;
  p.in_stock = in.boolean({"in_stock", "inStock"}, Need::optional);
  p.stock = in.quantity("stock", Need::optional, 0, kMaxRecipeQuantity);
  p.stock_threshold =
      in.quantity({"stock_threshold", "stockThreshold"}, Need::optional, 0, kMaxRecipeQuantity);
  if (in.ok() && !p.in_stock && !p.stock && !p.stock_threshold)
    in.issue({"in_stock"}, "give in_stock, stock or both");
  return p;
}

service::ProductInput read_recipe_input(Input& in) {
  service::ProductInput p;
  const Field f =
      in.has("ingredients") || !in.has("recipe") ? Field("ingredients") : Field("recipe");
  if (!in.has(f)) {
    in.issue(f, "is required");
    return p;
  }
  p.recipe = read_lines(in, f, kMaxRecipeLines);
  return p;
}

void add_catalogue_schemas(OpenApi& openapi) {
  openapi.add_schema("RecipeLine", R"json({
    "type": "object", "required": ["inventory_item_id", "quantity"],
    "properties": {
      "inventory_item_id": {"type": "string", "format": "uuid"},
      "quantity": {"type": "number", "exclusiveMinimum": 0,
                   "description": "units of the item's unit, up to 3 decimals"}
    }
  })json");
  openapi.add_schema("Modifier", R"json({
    "type": "object", "required": ["code", "name"],
    "properties": {
      "code": {"type": "string", "pattern": "^[a-z0-9_-]{1,40}$"},
      "name": {"type": "string"},
      "price_delta": {"type": "number", "description": "major units, may be negative"},
      "consumes": {"type": "array", "items": {"$ref": "#/components/schemas/RecipeLine"}}
    }
  })json");
  openapi.add_schema("ProductImage", R"json({
    "type": "object", "required": ["id", "url", "thumbnail_url", "status"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "url": {"type": "string", "description": "signed, expiring URL of the web copy (WebP, at most 1600 px); the original until it is made"},
      "thumbnail_url": {"type": "string", "description": "signed, expiring URL of the thumbnail (WebP, at most 320 px); the original until it is made"},
      "status": {"type": "string", "enum": ["pending", "ready"]},
      "width": {"type": "integer", "description": "of the original"},
      "height": {"type": "integer", "description": "of the original"}
    }
  })json");
  openapi.add_schema("Product", R"json({
    "type": "object",
    "required": ["id", "name", "description", "category", "price", "currency", "images",
                 "attributes", "modifiers", "prep_minutes", "track_stock", "stock",
                 "stock_threshold", "in_stock", "is_active", "rating_avg", "rating_count",
                 "version", "created_at", "updated_at"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "name": {"type": "string"},
      "description": {"type": "string"},
      "category": {"type": "string"},
      "price": {"type": "number", "description": "major units, at most two decimals"},
      "currency": {"type": "string", "examples": ["USD"]},
      "images": {"type": "array", "items": {"$ref": "#/components/schemas/ProductImage"}},
      "attributes": {"type": "object", "additionalProperties": true, "description": "free JSON: sizes, flavours…"},
      "modifiers": {"type": "array", "items": {"$ref": "#/components/schemas/Modifier"}},
      "prep_minutes": {"type": "integer"},
      "track_stock": {"type": "boolean"},
      "stock": {"type": ["number", "null"], "description": "on hand of the product's own inventory item; null when not tracked"},
      "stock_threshold": {"type": ["number", "null"]},
      "in_stock": {"type": "boolean", "description": "derived: switched on, tracked stock of at least 1 available, every recipe ingredient available for one unit"},
      "is_active": {"type": "boolean"},
      "rating_avg": {"type": "number"},
      "rating_count": {"type": "integer"},
      "recipe": {"type": "array", "items": {"$ref": "#/components/schemas/RecipeLine"},
                 "description": "staff, managers and admins only"},
      "version": {"type": "integer"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  })json");
  constexpr std::string_view kInputProps = R"json(
      "name": {"type": "string", "minLength": 1, "maxLength": 200},
      "description": {"type": "string", "maxLength": 4000},
      "category": {"type": "string", "minLength": 1, "maxLength": 100},
      "price": {"type": "number", "minimum": 0},
      "attributes": {"type": "object", "additionalProperties": true, "description": "free JSON: sizes, flavours… (at most 16 KiB)"},
      "modifiers": {"type": "array", "items": {"$ref": "#/components/schemas/Modifier"}},
      "prep_minutes": {"type": "integer", "minimum": 0, "maximum": 1440},
      "track_stock": {"type": "boolean"},
      "stock": {"type": "number", "minimum": 0, "description": "sets on_hand of the product's own item (implies track_stock)"},
      "stock_threshold": {"type": "number", "minimum": 0},
      "in_stock": {"type": "boolean", "description": "the sale switch"},
      "is_active": {"type": "boolean"},
      "recipe": {"type": "array", "items": {"$ref": "#/components/schemas/RecipeLine"}})json";
  openapi.add_schema("ProductInput",
                     R"json({"type": "object", "required": ["name", "category", "price"],
    "properties": {)json" +
                         std::string(kInputProps) + "}}");
  openapi.add_schema("ProductPatch", R"json({"type": "object",
    "description": "only the fields given change; version (or If-Match) guards against lost updates",
    "properties": {"version": {"type": "integer", "minimum": 1},)json" +
                                         std::string(kInputProps) + "}}");
  openapi.add_schema("ProductStockInput", R"json({
    "type": "object",
    "properties": {
      "in_stock": {"type": "boolean", "description": "switch the product on or off for sale"},
      "stock": {"type": "number", "minimum": 0, "description": "on_hand of its own item; below what is reserved → 409"},
      "stock_threshold": {"type": "number", "minimum": 0},
      "version": {"type": "integer", "minimum": 1}
    }
  })json");
  openapi.add_schema("RecipeInput", R"json({
    "type": "object", "required": ["ingredients"],
    "properties": {
      "ingredients": {"type": "array", "items": {"$ref": "#/components/schemas/RecipeLine"}},
      "version": {"type": "integer", "minimum": 1}
    }
  })json");
  openapi.add_page_schema("ProductPage", "Product");
  openapi.add_schema("Menu", R"json({
    "type": "object", "required": ["categories"],
    "properties": {
      "categories": {"type": "array", "items": {
        "type": "object", "required": ["name", "items"],
        "properties": {
          "name": {"type": "string"},
          "items": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}}
        }
      }},
      "currency": {"type": "string"}
    }
  })json");
}

}  // namespace crema::api

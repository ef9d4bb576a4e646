// The API's types, generated from the OpenAPI document that crema serves (schema.d.ts is
// written by the build with openapi-typescript, from `crema openapi`). A change of the API
// that breaks a screen fails the type check of the app's build.
import type { components } from './schema';

type S = components['schemas'];
export type User = S['User'];
export type AuthSession = S['AuthSession'];
export type TokenPair = S['TokenPair'];
export type LoginRequest = S['LoginRequest'];
export type Product = S['Product'];
export type Modifier = S['Modifier'];
export type Menu = S['Menu'];
export type Order = S['Order'];
export type OrderLine = Order['items'][number];
export type OrderInput = S['OrderInput'];
export type OrderLineInput = S['OrderLineInput'];
export type OrderStatusChange = S['OrderStatusChange'];
export type OrderPage = S['OrderPage'];
export type CheckoutInput = S['CheckoutInput'];
export type CheckoutResult = S['CheckoutResult'];
export type InventoryItem = S['InventoryItem'];
export type InventoryItemPage = S['InventoryItemPage'];
export type Adjustment = S['Adjustment'];
export type ProductStockInput = S['ProductStockInput'];
export type DailySalesReport = S['DailySalesReport'];
export type WeeklySalesReport = S['WeeklySalesReport'];
export type TopProductsReport = S['TopProductsReport'];
export type StaffPerformanceReport = S['StaffPerformanceReport'];
export type ApiErrorBody = S['Error'];

export type Role = User['role'];
export type OrderStatus = Order['status'];
export type OrderType = Order['type'];

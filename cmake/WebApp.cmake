# The staff web app (SPEC §16): web/app is staged into BUILD/web-app, its npm packages are
# installed there (`npm ci --ignore-scripts`, skipped while package-lock.json is unchanged),
# its API types are generated from the OpenAPI document the freshly built `crema` serves
# (`crema openapi` prints it), then it is type-checked, bundled by Vite into BUILD/app and
# precompressed (Brotli, gzip). `crema serve` finds BUILD/app beside the binary (or
# CREMA_APP_DIR) and serves it at /app. -DCREMA_WEB_APP=OFF leaves all of this out.
#
# The browser test (ctest `web_app`) runs Playwright's test runner from the same packages on
# Debian's Chromium (scripts/deps.sh test), against a real `crema` it starts on SQLite.
option(CREMA_WEB_APP "Build the staff web app served at /app (needs node and npm)" ON)
add_custom_target(crema_web_app)  # empty when the app is off, so scripts may always name it
if(NOT CREMA_WEB_APP)
  return()
endif()

find_program(NODE_PROGRAM node)
find_program(NPM_PROGRAM npm)
if(NOT NODE_PROGRAM OR NOT NPM_PROGRAM)
  message(FATAL_ERROR "node and npm are needed to build the staff web app "
                      "(scripts/deps.sh build installs them; or configure with -DCREMA_WEB_APP=OFF)")
endif()

set(_src ${CMAKE_SOURCE_DIR}/web/app)
set(_stage ${CMAKE_BINARY_DIR}/web-app)
set(_out ${CMAKE_BINARY_DIR}/app)
file(GLOB_RECURSE _app_sources CONFIGURE_DEPENDS
     ${_src}/src/*.ts ${_src}/src/*.tsx ${_src}/src/*.css ${_src}/src/*.json
     ${_src}/public/* ${_src}/scripts/*.mjs ${_src}/tests/*.ts)
list(FILTER _app_sources EXCLUDE REGEX "/src/api/schema\\.d\\.ts$")
set(_app_top ${_src}/index.html ${_src}/vite.config.ts ${_src}/tsconfig.json
             ${_src}/playwright.config.ts ${_src}/package.json)

# 1. The sources, copied beside the build's node_modules (generated files stay out of the
#    source tree). A removed source file disappears from the copy too.
add_custom_command(
  OUTPUT ${_stage}/.sources.stamp
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${_stage}/src ${_stage}/public ${_stage}/scripts ${_stage}/tests
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_stage}
  COMMAND ${CMAKE_COMMAND} -E copy_directory ${_src}/src ${_stage}/src
  COMMAND ${CMAKE_COMMAND} -E copy_directory ${_src}/public ${_stage}/public
  COMMAND ${CMAKE_COMMAND} -E copy_directory ${_src}/scripts ${_stage}/scripts
  COMMAND ${CMAKE_COMMAND} -E copy_directory ${_src}/tests ${_stage}/tests
  COMMAND ${CMAKE_COMMAND} -E copy ${_app_top} ${_stage}/
  COMMAND ${CMAKE_COMMAND} -E rm -f ${_stage}/src/api/schema.d.ts
  COMMAND ${CMAKE_COMMAND} -E touch ${_stage}/.sources.stamp
  DEPENDS ${_app_sources} ${_app_top}
  COMMENT "Staging the web app's sources"
  VERBATIM)

# 2. npm ci, only when the lock file changed since the last install in this build tree.
add_custom_command(
  OUTPUT ${_stage}/node_modules/.crema-lock.json
  COMMAND ${CMAKE_COMMAND} -DNPM=${NPM_PROGRAM} -DSTAGE=${_stage} -DLOCK=${_src}/package-lock.json
          -DPACKAGE=${_src}/package.json -P ${CMAKE_SOURCE_DIR}/cmake/WebAppNpm.cmake
  DEPENDS ${_src}/package-lock.json ${_src}/package.json ${CMAKE_SOURCE_DIR}/cmake/WebAppNpm.cmake
  COMMENT "Installing the web app's npm packages (npm ci --ignore-scripts)"
  VERBATIM)

# 3. The OpenAPI document of this very build, and the types generated from it. The document
#    is rewritten only when it changed (Ninja re-stats a custom command's outputs), so
#    relinking `crema` without an API change does not rebuild the app.
add_custom_command(
  OUTPUT ${_stage}/openapi.json
  COMMAND ${CMAKE_COMMAND} -DCREMA=$<TARGET_FILE:crema> -DOUT=${_stage}/openapi.json
          -P ${CMAKE_SOURCE_DIR}/cmake/WebAppOpenApi.cmake
  DEPENDS crema ${CMAKE_SOURCE_DIR}/cmake/WebAppOpenApi.cmake
  COMMENT "Printing the served OpenAPI document (crema openapi)"
  VERBATIM)
add_custom_command(
  OUTPUT ${_stage}/src/api/schema.d.ts
  COMMAND ${NODE_PROGRAM} node_modules/openapi-typescript/bin/cli.js openapi.json
          -o src/api/schema.d.ts --default-non-nullable=false --silent
  DEPENDS ${_stage}/openapi.json ${_stage}/.sources.stamp
          ${_stage}/node_modules/.crema-lock.json
  WORKING_DIRECTORY ${_stage}
  COMMENT "Generating the web app's API types (openapi-typescript)"
  VERBATIM)

# 4. Type check, bundle, precompress. A type error (an API change the app does not follow)
#    fails the build here.
add_custom_command(
  OUTPUT ${_out}/index.html ${CMAKE_BINARY_DIR}/app-size.json
  COMMAND ${NODE_PROGRAM} node_modules/typescript/bin/tsc --noEmit -p .
  COMMAND ${CMAKE_COMMAND} -E env CREMA_APP_OUT=${_out}
          ${NODE_PROGRAM} node_modules/vite/bin/vite.js build --logLevel warn
  COMMAND ${NODE_PROGRAM} scripts/compress.mjs ${_out} ${CMAKE_BINARY_DIR}/app-size.json
  DEPENDS ${_stage}/src/api/schema.d.ts ${_stage}/.sources.stamp
          ${_stage}/node_modules/.crema-lock.json
  WORKING_DIRECTORY ${_stage}
  COMMENT "Building the staff web app into ${_out} (tsc, vite, brotli/gzip)"
  VERBATIM)
add_custom_target(crema_web_app_build ALL DEPENDS ${_out}/index.html)
add_dependencies(crema_web_app crema_web_app_build)

if(CREMA_BUILD_TESTS)
  add_test(NAME web_app
           COMMAND ${NODE_PROGRAM} node_modules/@playwright/test/cli.js test
           WORKING_DIRECTORY ${_stage})
  set_tests_properties(web_app PROPERTIES
    ENVIRONMENT "CREMA_TEST_BIN=$<TARGET_FILE:crema>;CREMA_APP_DIR=${_out};CI=1"
    TIMEOUT 600)
endif()

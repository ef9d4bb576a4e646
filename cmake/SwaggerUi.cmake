# GET /docs serves Swagger UI from npm's swagger-ui-dist. The package is installed into the
# build tree at configure time (pinned by web/package-lock.json, install scripts off) and its
# two asset files are assembled into the binary with .incbin, which costs no compile time.
option(CREMA_DOCS_UI "Embed the Swagger UI assets for GET /docs (needs npm at configure time)" ON)
set(CREMA_SWAGGER_SOURCES "")
if(CREMA_DOCS_UI)
  set(_web ${CMAKE_BINARY_DIR}/web)
  set(_dist ${_web}/node_modules/swagger-ui-dist)
  file(MAKE_DIRECTORY ${_web})
  configure_file(${CMAKE_SOURCE_DIR}/web/package.json ${_web}/package.json COPYONLY)
  configure_file(${CMAKE_SOURCE_DIR}/web/package-lock.json ${_web}/package-lock.json COPYONLY)
  if(NOT EXISTS ${_dist}/swagger-ui-bundle.js OR
     ${CMAKE_SOURCE_DIR}/web/package-lock.json IS_NEWER_THAN ${_dist}/swagger-ui-bundle.js)
    find_program(NPM_PROGRAM npm)
    if(NOT NPM_PROGRAM)
      message(FATAL_ERROR "npm is needed to fetch swagger-ui-dist for GET /docs "
                          "(apt-get install npm, or configure with -DCREMA_DOCS_UI=OFF)")
    endif()
    message(STATUS "Installing swagger-ui-dist with npm")
    execute_process(COMMAND ${NPM_PROGRAM} ci --ignore-scripts --no-audit --no-fund --loglevel=error
                    WORKING_DIRECTORY ${_web} RESULT_VARIABLE _npm_rc)
    if(NOT _npm_rc EQUAL 0)
      message(FATAL_ERROR "npm ci for swagger-ui-dist failed (${_npm_rc})")
    endif()
    file(TOUCH ${_dist}/swagger-ui-bundle.js)
  endif()
  set(CREMA_SWAGGER_SOURCES ${CMAKE_BINARY_DIR}/generated/swagger_assets.S)
  file(WRITE ${CREMA_SWAGGER_SOURCES}.tmp
"    .section .rodata
    .balign 16
    .global crema_swagger_bundle_js
crema_swagger_bundle_js:
    .incbin \"${_dist}/swagger-ui-bundle.js\"
    .global crema_swagger_bundle_js_end
crema_swagger_bundle_js_end:
    .byte 0
    .balign 16
    .global crema_swagger_css
crema_swagger_css:
    .incbin \"${_dist}/swagger-ui.css\"
    .global crema_swagger_css_end
crema_swagger_css_end:
    .byte 0
    .section .note.GNU-stack,\"\",@progbits
")
  file(COPY_FILE ${CREMA_SWAGGER_SOURCES}.tmp ${CREMA_SWAGGER_SOURCES} ONLY_IF_DIFFERENT)
  set_source_files_properties(${CREMA_SWAGGER_SOURCES} PROPERTIES
    OBJECT_DEPENDS "${_dist}/swagger-ui-bundle.js;${_dist}/swagger-ui.css")
  add_compile_definitions(CREMA_HAVE_DOCS_UI=1)
endif()

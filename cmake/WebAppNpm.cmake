# `npm ci --ignore-scripts` for the web app in the build tree, skipped while the installed
# packages match the lock file (a copy of the lock kept in node_modules says which).
set(_mark ${STAGE}/node_modules/.crema-lock.json)
file(MAKE_DIRECTORY ${STAGE})
if(EXISTS ${_mark})
  file(SHA256 ${LOCK} _want)
  file(SHA256 ${_mark} _have)
  if(_want STREQUAL _have)
    file(TOUCH ${_mark})
    return()
  endif()
endif()
configure_file(${PACKAGE} ${STAGE}/package.json COPYONLY)
configure_file(${LOCK} ${STAGE}/package-lock.json COPYONLY)
execute_process(
  COMMAND ${NPM} ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error
  WORKING_DIRECTORY ${STAGE} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "npm ci for the web app failed (${_rc})")
endif()
configure_file(${LOCK} ${_mark} COPYONLY)

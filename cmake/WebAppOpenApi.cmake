# Writes `crema openapi` (the document GET /openapi.json serves) to OUT, leaving OUT untouched
# when the document did not change.
execute_process(COMMAND ${CREMA} openapi OUTPUT_VARIABLE _doc RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "crema openapi failed (${_rc})")
endif()
file(WRITE ${OUT}.tmp "${_doc}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)

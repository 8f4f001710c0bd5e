# Concatenate the numbered SQL pieces into one extension script.
file(WRITE ${OUT} "-- riskmap extension script, assembled from sql/src/*.sql. Do not edit.\n\\echo Use \"CREATE EXTENSION riskmap CASCADE\" to load this file. \\quit\n")
string(REPLACE "|" ";" PIECES "${PIECES}")
foreach(piece ${PIECES})
  get_filename_component(name ${piece} NAME)
  file(READ ${piece} body)
  file(APPEND ${OUT} "\n-- ===== ${name} =====\n${body}")
endforeach()

# Turns a text file into a C string constant: cmake -DIN= -DOUT= -DSYM= -P embed.cmake
file(READ ${IN} HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BODY "${HEX}")
file(WRITE ${OUT} "/* generated from ${IN} */\nconst char ${SYM}[] = {${BODY} 0};\n")

{
  "targets": [
    {
      "target_name": "afpacket",
      "sources": ["src/afpacket.c", "src/arp_answerer.c", "src/arp_answerer_js.c", "src/arp_decide.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-pthread"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}

package compose

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"
)

func TestSmoke(t *testing.T) {
	fsys := fstest.MapFS{
		"compose.yaml": {Data: []byte(`x-common: &common
  volumes:
    - ./shared:/shared
services:
  web:
    <<: *common
    image: nginx
    privileged: true
    cap_add: [SYS_ADMIN]
  api:
    extends:
      file: base/base.yaml
      service: base
    volumes:
      - ${DATA:-./data}:/data:ro
      - ${NOPE}/x:/x
include:
  - inc/compose.yaml
  - /etc/passwd
  - ../../etc/passwd
volumes:
  db:
    driver: local
    driver_opts: {o: bind, device: /etc, type: none}
`)},
		"compose.override.yaml": {Data: []byte("services:\n  web:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - db:/db\n")},
		"base/base.yaml": {Data: []byte("services:\n  base:\n    image: alpine\n    volumes:\n      - ./basedata:/base\n    env_file: /proc/self/environ\n")},
		"inc/compose.yaml": {Data: []byte("services:\n  incsvc:\n    image: busybox\n    volumes:\n      - ./incdata:/inc\n      - type: bind\n        source: ${INCVAR}\n        target: /v\n")},
		"inc/.env": {Data: []byte("INCVAR=/etc/shadow\n")},
	}
	p, err := Load(context.Background(), fsys, []string{"compose.yaml", "compose.override.yaml"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range p.Problems {
		fmt.Printf("problem %d %v %s\n", pr.Kind, pr.Loc, pr.Message)
	}
	for _, s := range p.Services {
		fmt.Println("service", s.Name, s.Loc)
		for _, m := range s.Mounts {
			fmt.Printf("  %s %q -> %s ro=%v host=%+v loc=%v short=%v unres=%v\n", m.Type, m.Source, m.Target, m.ReadOnly, m.Host, m.Loc, m.Short, m.Unresolved)
		}
		l, ok := s.KeyLoc("privileged")
		fmt.Println("  privileged", l, ok)
	}
	for k, v := range p.Volumes {
		fmt.Printf("volume %s %+v bind=%+v\n", k, v.Loc, v.Bind)
	}
}

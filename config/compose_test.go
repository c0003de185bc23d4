package config

import (
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// Every setting quizbot reads reaches the containers of docker-compose.yml,
// so that a variable set in the environment or in .env is not silently
// dropped on the way (the compose file must list each one by name). The web
// chat's address is the one exception: the web chat is never served there.
func TestComposePassesEverySetting(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Environment map[string]string `yaml:"x-quizbot-environment"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	var read []string
	getenv := func(name string) string {
		if !slices.Contains(read, name) {
			read = append(read, name)
		}
		return base()[name]
	}
	if _, err := Load(getenv, all); err != nil {
		t.Fatal(err)
	}
	if len(read) < 10 {
		t.Fatalf("Load read only %v", read)
	}
	for _, name := range read {
		if _, ok := compose.Environment[name]; !ok && name != "WEBCHAT_ADDR" {
			t.Errorf("docker-compose.yml does not pass %s to quizbot", name)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/dynamodblocal"
	"github.com/referloop/referloop/infra/template"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func main() {
	ctx := context.Background()
	tp, _ := template.Find()
	t, _ := template.Load(tp)
	db := dynamodblocal.Client("http://127.0.0.1:18000")
	name := "exp5"
	if err := dynamodblocal.EnsureTable(ctx, db, t, name); err != nil {
		panic(err)
	}
	n := 0
	item := func(gsi bool) types.TransactWriteItem {
		n++
		it := map[string]types.AttributeValue{"PK": s(fmt.Sprint("k", n)), "SK": s("x")}
		if gsi {
			it["GSI1PK"], it["GSI1SK"] = s("g"), s("h")
		}
		return types.TransactWriteItem{Put: &types.Put{TableName: &name, Item: it}}
	}
	for _, c := range [][]bool{{false}, {false, false}, {true}, {false, false, false}, {true, false}, {false, true}, {true, true}} {
		var items []types.TransactWriteItem
		for _, g := range c {
			items = append(items, item(g))
		}
		out, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes, TransactItems: items})
		b, _ := json.Marshal(out.ConsumedCapacity)
		fmt.Println(c, string(b), err)
	}
}
